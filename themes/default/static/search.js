/* casebook search client: plain JavaScript, no framework. The tokenizer and stemmer mirror
   src/search/tokenize.rs and src/search/stem.rs rule for rule (tests/search/vectors.json holds
   both to it); the index files are scripts that call register(), so they load from file:// too.
   Runs in the browser and, with a stub window, in Node (scripts/search.mjs). */
(function (w) {
  "use strict";
  var S = w.__casebookSearch = w.__casebookSearch || {};
  var store = {}, loading = {}, terms = {}, M = null;

  S.register = function (name, data) { store[name] = data; };

  /* ---------- tokenizer ---------- */
  var FOLD_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿ";
  var FOLD_TO = "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyy";
  var EXPAND = { "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st" };
  var STOP = {};
  "a an and are as at be but by for from has have in into is it its not of on or that the their this to was were which will with s".split(" ").forEach(function (s) { STOP[s] = 1; });
  var WORD = /[\p{Alphabetic}\p{N}]/u;
  /* Elided articles and particles (French, Italian, Catalan): `l'entrepôt` is `entrepot`. */
  var ELIDED = {};
  "c d j l m n s t v qu jusqu lorsqu puisqu quoiqu un all dall dell nell sull coll pell gl agl dagl degl negl sugl".split(" ").forEach(function (s) { ELIDED[s] = 1; });

  function isCjk(n) {
    return (n >= 0x3005 && n <= 0x3007) || (n >= 0x3040 && n <= 0x30FF) || (n >= 0x3400 && n <= 0x4DBF) ||
      (n >= 0x4E00 && n <= 0x9FFF) || (n >= 0xAC00 && n <= 0xD7AF) || (n >= 0xF900 && n <= 0xFAFF) || (n >= 0x20000 && n <= 0x3FFFF);
  }

  function normalize(c, n) {
    if (n >= 0xFF01 && n <= 0xFF5E) return String.fromCharCode(n - 0xFEE0);
    if (n === 0x3000) return " ";
    if (n >= 0x300 && n <= 0x36F) return "";
    if ((n >= 0xC0 && n <= 0x17F) || (n >= 0xFB00 && n <= 0xFB06)) {
      var i = FOLD_FROM.indexOf(c);
      return i >= 0 ? FOLD_TO[i] : EXPAND[c] || c;
    }
    return c;
  }

  /* Tokens {t: term, p: position, s, e: offsets in text, stop, run: the CJK run}. With `index`,
     single CJK characters of longer runs too, as the index holds them. */
  function tokenize(text, index) {
    var out = [], pos = 0, word = "", ws = 0, we = 0, run = [], rs = [], re = [], apos = -1, afterApos = 0;
    function flushWord() {
      var at = apos;
      apos = -1;
      if (!word) return;
      if (at >= 0 && ELIDED[word.slice(0, at).toLowerCase()] === 1 && Array.from(word.slice(at)).length > 1) {
        word = word.slice(at); ws = afterApos;
      }
      var lower = word.toLowerCase(), chars = Array.from(lower);
      if (chars.length > 40) lower = chars.slice(0, 40).join("");
      out.push({ t: stem(lower), w: lower, p: pos++, s: ws, e: we, stop: STOP[lower] === 1 });
      word = "";
    }
    function flushRun() {
      var n = run.length, r = run.join(""), i;
      if (!n) return;
      if (n === 1) out.push({ t: r, p: pos, s: rs[0], e: re[0], run: r });
      for (i = 0; i < n - 1; i++) {
        out.push({ t: run[i] + run[i + 1], p: pos + i, s: rs[i], e: re[i + 1], run: r });
        if (index) out.push({ t: run[i], p: pos + i, s: rs[i], e: re[i] });
      }
      if (index && n > 1) out.push({ t: run[n - 1], p: pos + n - 2, s: rs[n - 1], e: re[n - 1] });
      pos += Math.max(n - 1, 1);
      run = []; rs = []; re = [];
    }
    for (var i = 0; i < text.length;) {
      var code = text.codePointAt(i), c = String.fromCodePoint(code), start = i;
      i += c.length;
      if (code === 0x27 || code === 0x2019) {
        if (apos < 0) { apos = word.length; afterApos = i; }
        continue;
      }
      for (var x of normalize(c, code)) {
        var n = x.codePointAt(0);
        if (isCjk(n)) {
          flushWord();
          run.push(x); rs.push(start); re.push(i);
        } else if (WORD.test(x)) {
          flushRun();
          if (!word) ws = start;
          word += x; we = i;
        } else {
          flushWord(); flushRun();
        }
      }
    }
    flushWord(); flushRun();
    return out;
  }

  /* ---------- Porter stemmer ---------- */
  var STEP2 = { a: "ational ate tional tion", c: "enci ence anci ance", e: "izer ize", l: "bli ble alli al entli ent eli e ousli ous", o: "ization ize ation ate ator ate", s: "alism al iveness ive fulness ful ousness ous", t: "aliti al iviti ive biliti ble", g: "logi log" };
  var STEP3 = { e: "icate ic ative _ alize al", i: "iciti ic", l: "ical ic ful _", s: "ness _" };
  var STEP4 = { a: "al", c: "ance ence", e: "er", i: "ic", l: "able ible", n: "ant ement ment ent", s: "ism", t: "ate iti", u: "ous", v: "ive", z: "ize" };

  function stem(word) {
    if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
    var b = word.split(""), k = b.length - 1, j = 0;
    function cons(i) {
      var c = b[i];
      if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") return false;
      return c === "y" ? i === 0 || !cons(i - 1) : true;
    }
    function m() {
      var n = 0, i = 0;
      for (;;) { if (i > j) return n; if (!cons(i)) break; i++; }
      i++;
      for (;;) {
        for (;;) { if (i > j) return n; if (cons(i)) break; i++; }
        i++; n++;
        for (;;) { if (i > j) return n; if (!cons(i)) break; i++; }
        i++;
      }
    }
    function vowelInStem() { for (var i = 0; i <= j; i++) if (!cons(i)) return true; return false; }
    function doubleC(x) { return x >= 1 && b[x] === b[x - 1] && cons(x); }
    function cvc(i) {
      if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
      return b[i] !== "w" && b[i] !== "x" && b[i] !== "y";
    }
    function ends(s) {
      if (s.length > k + 1 || b.slice(k - s.length + 1, k + 1).join("") !== s) return false;
      j = k - s.length;
      return true;
    }
    function setTo(s) { b.length = j + 1; b.push.apply(b, s.split("")); k = j + s.length; }
    function rules(table, c) {
      var r = (table[c] || "").split(" ");
      for (var i = 0; i + 1 < r.length; i += 2) {
        if (ends(r[i])) { if (m() > 0) setTo(r[i + 1] === "_" ? "" : r[i + 1]); return; }
      }
    }
    if (b[k] === "s") {
      if (ends("sses")) k -= 2;
      else if (ends("ies")) setTo("i");
      else if (b[k - 1] !== "s") k--;
    }
    if (ends("eed")) { if (m() > 0) k--; }
    else if ((ends("ed") || ends("ing")) && vowelInStem()) {
      k = j;
      if (ends("at")) setTo("ate");
      else if (ends("bl")) setTo("ble");
      else if (ends("iz")) setTo("ize");
      else if (doubleC(k)) { k--; if ("lsz".indexOf(b[k]) >= 0) k++; }
      else if (m() === 1 && cvc(k)) { j = k; setTo("e"); }
    }
    if (k > 0) {
      if (ends("y") && vowelInStem()) b[k] = "i";
      rules(STEP2, b[k - 1]);
      rules(STEP3, b[k]);
      var c = b[k - 1], s4 = STEP4[c];
      if (c === "o") s4 = (ends("ion") && j >= 0 && (b[j] === "s" || b[j] === "t")) || ends("ou") ? "" : null;
      if (s4 != null && (s4 === "" || s4.split(" ").some(ends)) && m() > 1) k = j;
      j = k;
      if (b[k] === "e") { var a = m(); if (a > 1 || (a === 1 && !cvc(k - 1))) k--; }
      if (b[k] === "l" && doubleC(k) && m() > 1) k--;
    }
    return b.slice(0, k + 1).join("");
  }

  /* ---------- index files ---------- */
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", DIGIT = {};
  for (var d = 0; d < 64; d++) DIGIT[ALPHABET.charCodeAt(d)] = d;

  function numbers(s) {
    var out = [], v = 0, f = 1;
    for (var i = 0; i < s.length; i++) {
      var x = DIGIT[s.charCodeAt(i)];
      if (x >= 32) { v += (x - 32) * f; f *= 32; } else { out.push(v + x * f); v = 0; f = 1; }
    }
    return out;
  }
  function ids(s) {
    var n = numbers(s), prev = -1;
    for (var i = 0; i < n.length; i++) n[i] = prev = prev + n[i] + 1;
    return n;
  }

  function fnv(s) {
    var h = 0x811c9dc5;
    for (var c of s) {
      var n = c.codePointAt(0), bytes = n < 0x80 ? [n] : n < 0x800 ? [0xC0 | n >> 6, 0x80 | n & 63] :
        n < 0x10000 ? [0xE0 | n >> 12, 0x80 | n >> 6 & 63, 0x80 | n & 63] : [0xF0 | n >> 18, 0x80 | n >> 12 & 63, 0x80 | n >> 6 & 63, 0x80 | n & 63];
      for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    }
    return h;
  }

  /* Loads search-index/<name>.js once; S.loader (Node) or a <script> element (browser). */
  function load(name) {
    if (store[name]) return Promise.resolve(store[name]);
    return loading[name] || (loading[name] = new Promise(function (ok, fail) {
      function done() { delete loading[name]; store[name] ? ok(store[name]) : fail(new Error("search index: " + name)); }
      if (S.loader) return Promise.resolve(S.loader(name)).then(done, fail);
      var el = document.createElement("script");
      el.src = S.base + name + ".js";
      el.onload = done;
      el.onerror = done;
      document.head.appendChild(el);
    }));
  }
  S.load = load;

  function meta() { return M ? Promise.resolve(M) : load("meta").then(function (m) { return (M = m); }); }

  /* Document id with its text as x: the index keeps it zlib-compressed in base64 (z), inflated
     here once. A browser without DecompressionStream gets no text: results show summaries. */
  function documentOf(id) {
    return load("d/" + id).then(function (doc) {
      if (doc.x !== undefined) return doc;
      if (!doc.z || typeof DecompressionStream === "undefined") return (doc.x = "", doc);
      var raw = atob(doc.z), bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      return new Response(stream).text().then(function (inside) {
        doc.x = JSON.parse('"' + inside + '"');
        return doc;
      }, function () { return (doc.x = "", doc); });
    });
  }
  S.document = documentOf;

  /* Postings of a term: {d: doc ids, v: impact << 1 | in title}. */
  function postings(t) {
    if (terms[t]) return Promise.resolve(terms[t]);
    return load("s/" + fnv(t) % M.k).then(function (shard) {
      var n = numbers(shard[t] || ""), p = { d: [], v: [] }, prev = -1;
      for (var i = 0; i + 1 < n.length; i += 2) { p.d.push(prev = prev + n[i] + 1); p.v.push(n[i + 1]); }
      return (terms[t] = p);
    });
  }

  /* Facet f: values and, per document, the values it has. */
  function facet(f) {
    return load("f/" + f).then(function (x) {
      if (!x.of) {
        x.of = {};
        x.d.forEach(function (list, v) { ids(list).forEach(function (id) { (x.of[id] = x.of[id] || []).push(v); }); });
      }
      return x;
    });
  }

  function langOf(id) {
    for (var i = 0; i < M.l.length; i++) if (id >= M.l[i].a && id < M.l[i].b) return M.l[i].c;
  }

  /* The query's required terms: its words but stop words, unless it has nothing else. */
  function parse(q) {
    var tokens = tokenize(q), seen = {}, req = [];
    var base = tokens.some(function (t) { return !t.stop; }) ? tokens.filter(function (t) { return !t.stop; }) : tokens;
    base.forEach(function (t) { if (!seen[t.t]) { seen[t.t] = 1; req.push(t.t); } });
    /* A word at the very end may still be being typed: it can be completed. */
    var last = tokens[tokens.length - 1];
    var typing = last && last.w && last.e === q.length && last.w.length >= 3 && /^[a-z0-9]{2}/.test(last.w) ? last : null;
    return { tokens: tokens, terms: req, typing: typing, extra: [] };
  }

  /* Postings of several terms as one: a document's best impact among them. */
  function union(lists) {
    var best = {}, out = { d: [], v: [] };
    lists.forEach(function (p) { p.d.forEach(function (id, i) { best[id] = Math.max(best[id] || 0, p.v[i]); }); });
    Object.keys(best).map(Number).sort(function (a, b) { return a - b; }).forEach(function (id) { out.d.push(id); out.v.push(best[id]); });
    return out;
  }

  /* When the last word is not a term of the index, the words of the index it begins (or that
     begin it, but for up to three letters: standardi → standard), most frequent first. */
  function complete(parsed, lists) {
    var w = parsed.typing, i = w ? parsed.terms.indexOf(w.t) : -1;
    if (i < 0 || lists[i].d.length) return lists;
    return load("p/" + w.w.slice(0, 2)).catch(function () { return []; }).then(function (words) {
      parsed.extra = words.map(function (x) { return x[0]; }).filter(function (t) {
        return t.indexOf(w.w) === 0 || (t.length >= 4 && w.w.indexOf(t) === 0 && w.w.length - t.length <= 3);
      }).slice(0, 5);
      return Promise.all(parsed.extra.map(postings)).then(function (more) { lists[i] = union(more); return lists; });
    });
  }

  /* Documents matching every required term (or, failing that, the most of them), scored. */
  function match(q) {
    var parsed = parse(q);
    return Promise.all(parsed.terms.map(postings)).then(function (lists) {
      return complete(parsed, lists);
    }).then(function (lists) {
      var score = {}, count = {}, titled = {}, best = 0, n = lists.length, out = [];
      lists.forEach(function (p) {
        for (var i = 0; i < p.d.length; i++) {
          var id = p.d[i];
          score[id] = (score[id] || 0) + (p.v[i] >> 1) / 4;
          best = Math.max(best, count[id] = (count[id] || 0) + 1);
          titled[id] = (titled[id] || 0) + (p.v[i] & 1);
        }
      });
      for (var id in count) {
        if (count[id] === best) out.push({ id: +id, score: score[id] * (titled[id] === n ? 1.5 : 1) });
      }
      return { parsed: parsed, hits: out, partial: best < n };
    });
  }

  /* Ranges [start, end) of `text` that the query matches: words by their terms, CJK by runs. */
  function ranges(text, parsed, tokens, context) {
    var words = {}, runs = {}, found = [], merged = [];
    parsed.tokens.forEach(function (t) {
      if (t.run) runs[t.run] = 1; else if (parsed.terms.indexOf(t.t) >= 0) words[t.t] = 1;
    });
    parsed.extra.forEach(function (t) { words[t] = 1; });
    (tokens || tokenize(text)).forEach(function (t) { if (!t.run && words[t.t]) found.push([t.s, t.e]); });
    function find(r) {
      var n = found.length;
      for (var i = text.indexOf(r); i >= 0; i = text.indexOf(r, i + 1)) found.push([i, i + r.length]);
      return found.length > n;
    }
    /* A run found whole (in the text, or in the `context` it is part of) is marked only whole;
       otherwise its bigrams, where they occur. */
    Object.keys(runs).forEach(function (r) {
      if (!find(r) && (context || text).indexOf(r) < 0) for (var i = 0; i + 1 < r.length; i++) find(r.slice(i, i + 2));
    });
    found.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    found.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else merged.push(r.slice());
    });
    return merged;
  }

  /* The share of the query's neighbouring tokens that are neighbours in `tokens` too. */
  function adjacency(parsed, tokens) {
    var q = parsed.tokens, pairs = 0, found = 0, next = {};
    for (var i = 0; i + 1 < tokens.length; i++) next[tokens[i].t + "\u0000" + tokens[i + 1].t] = 1;
    for (i = 0; i + 1 < q.length; i++) { pairs++; if (next[q[i].t + "\u0000" + q[i + 1].t]) found++; }
    return pairs ? found / pairs : 0;
  }

  /* Whether the query's tokens occur in `tokens` in a row. */
  function phrase(parsed, tokens) {
    function join(ts) { return "\u0000" + ts.map(function (t) { return t.t; }).join("\u0000") + "\u0000"; }
    return parsed.tokens.length > 0 && join(tokens).indexOf(join(parsed.tokens)) >= 0;
  }

  function escape(s) {
    return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }
  function marked(text, rs, from, to) {
    var html = "", at = from;
    rs.forEach(function (r) {
      var s = Math.max(r[0], at), e = Math.min(r[1], to);
      if (e <= s) return;
      html += escape(text.slice(at, s)) + "<mark>" + escape(text.slice(s, e)) + "</mark>";
      at = e;
    });
    return html + escape(text.slice(at, to));
  }

  /* A window of the text around its densest cluster of matches, highlighted. */
  function snippet(text, rs, size) {
    var from = 0, best = -1;
    for (var i = 0; i < rs.length; i++) {
      var n = 0;
      for (var j = i; j < rs.length && rs[j][1] <= rs[i][0] + size; j++) n++;
      if (n > best) { best = n; from = rs[i][0]; }
    }
    from = Math.max(0, from - Math.round(size / 5));
    var to = Math.min(text.length, from + size);
    return (from ? "…" : "") + marked(text, rs, from, to) + (to < text.length ? "…" : "");
  }

  /* Rescores the loaded documents of a page of results (words next to each other as in the
     query, the query whole in the title) and adds what a result shows. */
  function present(item, parsed, doc, size) {
    var tokens = tokenize(doc.x), rs = ranges(doc.x, parsed, tokens);
    item.score *= (1 + 0.3 * adjacency(parsed, tokens)) * (phrase(parsed, tokenize(doc.t)) ? 1.5 : 1);
    item.doc = doc;
    item.title = marked(doc.t, ranges(doc.t, parsed), 0, doc.t.length);
    item.snippet = rs.length ? snippet(doc.x, rs, size) : marked(doc.s, ranges(doc.s, parsed), 0, doc.s.length);
    return item;
  }

  /* Runs a query. opts: {lang: the reader's, only: a language or "", facets: {f: value},
     counts: true to count facet values, from, size: the page of results, snippet: characters}.
     Resolves {total, partial, items: [{id, score, lang, doc, title, snippet}], counts}. */
  S.query = function (q, opts) {
    opts = opts || {};
    var chosen = opts.facets || {}, keys = Object.keys(chosen);
    return meta().then(function () {
      var empty = !parse(q).terms.length;
      var hits = empty ? (keys.length || opts.only ? Promise.resolve({ hits: all(), parsed: parse("") }) : Promise.resolve({ hits: [], parsed: parse("") })) : match(q);
      var need = opts.counts ? M.f.map(function (f, i) { return i; }) : keys.map(Number);
      return Promise.all([hits, Promise.all(need.map(facet))]).then(function (r) {
        var res = r[0], loaded = {}, counts = { lang: {} };
        need.forEach(function (f, i) { loaded[f] = r[1][i]; });
        function passes(id, skip) {
          if (skip !== "lang" && opts.only && langOf(id) !== opts.only) return false;
          for (var f in chosen) if (+f !== skip && (loaded[f].of[id] || []).indexOf(chosen[f]) < 0) return false;
          return true;
        }
        var base = empty && !keys.length && !opts.only ? (opts.counts ? all() : []) : res.hits;
        if (opts.counts) {
          base.forEach(function (h) {
            var l = langOf(h.id);
            if (passes(h.id, "lang")) counts.lang[l] = (counts.lang[l] || 0) + 1;
            need.forEach(function (f) {
              if (!passes(h.id, f)) return;
              var c = counts[f] = counts[f] || {};
              (loaded[f].of[h.id] || []).forEach(function (v) { c[v] = (c[v] || 0) + 1; });
            });
          });
        }
        var list = res.hits.filter(function (h) { return passes(h.id); });
        list.forEach(function (h) { h.lang = langOf(h.id); });
        list.sort(function (a, b) {
          return (b.lang === opts.lang) - (a.lang === opts.lang) || b.score - a.score || a.id - b.id;
        });
        var from = opts.from || 0, page = list.slice(from, from + (opts.size || 10));
        return Promise.all(page.map(function (h) { return documentOf(h.id); })).then(function (docs) {
          page.forEach(function (h, i) { present(h, res.parsed, docs[i], opts.snippet || 160); });
          page.sort(function (a, b) { return (b.lang === opts.lang) - (a.lang === opts.lang) || b.score - a.score || a.id - b.id; });
          return { total: list.length, partial: !!res.partial, items: page, counts: opts.counts ? counts : null, meta: M };
        });
      });
    });
  };
  function all() { var out = []; for (var i = 0; i < M.n; i++) out.push({ id: i, score: 0 }); return out; }

  S.tokenize = tokenize;
  S.stem = stem;
  S.fnv = fnv;
  S.ranges = function (text, q) { return ranges(text, parse(q)); };

  if (w.document) ui(w.document);

  /* ---------- the page ---------- */
  function ui(doc) {
    var form = doc.getElementById("search");
    if (!form || S.ui) return;
    S.ui = 1;
    var root = form.getAttribute("data-root"), lang = form.getAttribute("data-lang"), file = location.protocol === "file:";
    S.base = root + "search-index/";
    function attr(el, name) { return el.getAttribute("data-" + name) || ""; }
    function count(n) { return attr(form, "count").replace("{n}", n); }
    function url(path, q) { return root + path + (file ? "index.html" : "") + (q ? "?highlight=" + encodeURIComponent(q) : ""); }
    function el(tag, cls, html) { var e = doc.createElement(tag); if (cls) e.className = cls; if (html != null) e.innerHTML = html; return e; }
    function info(item) {
      var d = item.doc, bits = d.m.concat(d.y ? [d.y] : []);
      if (item.lang !== lang) bits.push(item.lang.toUpperCase());
      return bits.map(escape).join(" · ");
    }

    /* The combobox in the header. */
    var input = doc.getElementById("search-input"), popup = form.querySelector(".search-popup");
    var box = doc.getElementById("search-listbox"), live = doc.getElementById("search-live");
    var active = -1, options = [], serial = 0, timer;
    function close() { popup.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function choose(i) {
      options.forEach(function (o, j) { o.setAttribute("aria-selected", i === j ? "true" : "false"); });
      active = i;
      if (i >= 0) { input.setAttribute("aria-activedescendant", options[i].id); options[i].scrollIntoView({ block: "nearest" }); }
      else input.removeAttribute("aria-activedescendant");
    }
    function searchPage(q) { return form.getAttribute("action") + "?q=" + encodeURIComponent(q); }
    function run() {
      var q = input.value.trim(), mine = ++serial;
      if (!q) { close(); live.textContent = ""; return; }
      if (!M) live.textContent = attr(form, "loading");
      S.query(q, { lang: lang, size: 6, snippet: 90 }).then(function (r) {
        if (mine !== serial) return;
        box.innerHTML = "";
        box.setAttribute("data-query", q);
        options = r.items.map(function (item, i) {
          var li = el("li", "search-option", '<span class="search-option-title">' + item.title + '</span><span class="search-option-meta">' +
            info(item) + '</span><span class="search-option-snippet">' + item.snippet + "</span>");
          li.id = "search-option-" + i;
          li.setAttribute("role", "option");
          li.setAttribute("data-href", url(item.doc.u, q));
          if (item.lang !== lang) li.lang = item.lang;
          return li;
        });
        var more = el("li", "search-option search-option-all", escape(r.total ? attr(form, "all") + " (" + r.total + ")" : attr(form, "none")));
        more.id = "search-option-all";
        more.setAttribute("role", "option");
        more.setAttribute("data-href", searchPage(q));
        options.push(more);
        options.forEach(function (o) { box.appendChild(o); });
        popup.hidden = false;
        input.setAttribute("aria-expanded", "true");
        choose(-1);
        live.textContent = r.total ? count(r.total) : attr(form, "none");
      });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 60); });
    input.addEventListener("focus", function () { if (input.value.trim()) run(); });
    input.addEventListener("keydown", function (e) {
      var open = !popup.hidden;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!open) return run();
        var n = options.length;
        choose(e.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n + (active < 0 ? 1 : 0)) % n);
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (!input.value.trim()) return;
        location.href = open && active >= 0 ? options[active].getAttribute("data-href") : searchPage(input.value.trim());
      } else if (e.key === "Escape") {
        if (open) { e.preventDefault(); close(); } else input.value = "";
      }
    });
    box.addEventListener("mousedown", function (e) { e.preventDefault(); });
    box.addEventListener("click", function (e) {
      var li = e.target.closest("[role=option]");
      if (li) location.href = li.getAttribute("data-href");
    });
    form.addEventListener("focusout", function (e) { if (!form.contains(e.relatedTarget)) close(); });
    if (doc.activeElement === input && input.value.trim()) run();

    var params = new URLSearchParams(location.search), hl = params.get("highlight");
    if (hl) highlight(doc, hl);
    var pageForm = doc.getElementById("search-page");
    if (pageForm) searchPageUi(doc, pageForm, lang, el, info, url, count);
  }

  /* Marks the query's matches in the page's main text, after following a result. */
  function highlight(doc, q) {
    var main = doc.querySelector("main .page") || doc.querySelector("main"), parsed = parse(q), nodes = [], first;
    if (!main || !parsed.terms.length) return;
    var walk = doc.createTreeWalker(main, 4), n, all = main.textContent;
    while ((n = walk.nextNode())) if (!n.parentNode.closest("script,style,mark,nav")) nodes.push(n);
    nodes.forEach(function (node) {
      var text = node.nodeValue, rs = ranges(text, parsed, null, all);
      if (!rs.length) return;
      var frag = doc.createDocumentFragment(), at = 0;
      rs.forEach(function (r) {
        frag.appendChild(doc.createTextNode(text.slice(at, r[0])));
        var m = doc.createElement("mark");
        m.className = "search-hit";
        m.textContent = text.slice(r[0], r[1]);
        frag.appendChild(m);
        first = first || m;
        at = r[1];
      });
      frag.appendChild(doc.createTextNode(text.slice(at)));
      node.parentNode.replaceChild(frag, node);
    });
    var inBody = main.querySelector(".content mark") || first;
    if (inBody && inBody.scrollIntoView) inBody.scrollIntoView({ block: "center" });
  }

  /* The search page: results, facets with live counts, state in the URL. */
  function searchPageUi(doc, form, lang, el, info, url, count) {
    var input = doc.getElementById("search-page-input"), list = doc.getElementById("search-page-results");
    var status = doc.getElementById("search-page-status"), facets = doc.getElementById("search-facets");
    var more = doc.getElementById("search-more"), state, shown = 0, serial = 0, timer;
    function read() {
      var p = new URLSearchParams(location.search), f = {};
      p.forEach(function (v, k) { if (k !== "q" && k !== "lang") f[k] = v; });
      state = { q: p.get("q") || "", only: p.get("lang") || "", f: f };
      input.value = state.q;
    }
    function write(push) {
      var p = new URLSearchParams();
      if (state.q) p.set("q", state.q);
      if (state.only) p.set("lang", state.only);
      for (var k in state.f) p.set(k, state.f[k]);
      var s = p.toString(), target = location.pathname + (s ? "?" + s : "");
      try { history[push ? "pushState" : "replaceState"](null, "", target); } catch (e) { /* some file:// setups */ }
    }
    function options(m) {
      var chosen = {};
      m.f.forEach(function (f, i) {
        var v = state.f[f.k];
        if (v == null) return;
        var x = S.facetValues && S.facetValues[i];
        chosen[i] = x ? x.k.indexOf(v) : -1;
      });
      return { lang: lang, only: state.only, facets: chosen, counts: true, from: 0, size: 10, snippet: 200 };
    }
    function render(r, append) {
      r.items.forEach(function (item) {
        var li = el("li", "search-result", '<h2 class="search-result-title"><a href="' + url(item.doc.u, state.q) + '">' + item.title + '</a></h2><p class="search-result-meta">' +
          info(item) + '</p><p class="search-result-snippet">' + item.snippet + "</p>");
        if (item.lang !== lang) li.lang = item.lang;
        list.appendChild(li);
      });
      if (!append) renderFacets(r);
      shown += r.items.length;
      more.hidden = shown >= r.total;
      var hint = !state.q && !Object.keys(state.f).length && !state.only;
      status.textContent = hint ? attr(form, "hint") : r.total ? count(r.total) : attr(doc.getElementById("search"), "none");
    }
    function attr(e, n) { return e.getAttribute("data-" + n) || ""; }
    function button(label, n, pressed, onclick) {
      var b = el("button", "search-facet-value", escape(label) + ' <span class="search-facet-count">' + n + "</span>");
      b.type = "button";
      b.setAttribute("aria-pressed", pressed ? "true" : "false");
      b.onclick = onclick;
      return b;
    }
    function group(title, buttons) {
      if (!buttons.length) return;
      var fs = el("fieldset", "search-facet"), lg = el("legend", null, escape(title));
      fs.appendChild(lg);
      var box = el("div", "search-facet-values");
      buttons.forEach(function (b) { box.appendChild(b); });
      fs.appendChild(box);
      facets.appendChild(fs);
    }
    function renderFacets(r) {
      var m = r.meta, c = r.counts;
      facets.innerHTML = "";
      group(attr(form, "language"), m.l.filter(function (l) { return c.lang[l.c] || state.only === l.c; }).map(function (l) {
        return button(l.n, c.lang[l.c] || 0, state.only === l.c, function () { state.only = state.only === l.c ? "" : l.c; go(true); });
      }));
      m.f.forEach(function (f, i) {
        var x = S.facetValues[i], counts = c[i] || {}, chosen = state.f[f.k];
        var vs = x.k.map(function (k, v) { return v; }).filter(function (v) { return counts[v] || x.k[v] === chosen; });
        if (!f.c && !/^\d+$/.test(x.k[0])) vs.sort(function (a, b) { return (counts[b] || 0) - (counts[a] || 0); });
        group(f.t[lang] || f.k, vs.slice(0, 12).map(function (v) {
          var names = x.n[v], name = names[lang] || names[Object.keys(names)[0]];
          return button(name, counts[v] || 0, x.k[v] === chosen, function () {
            if (x.k[v] === chosen) delete state.f[f.k]; else state.f[f.k] = x.k[v];
            go(true);
          });
        }));
      });
      if (Object.keys(state.f).length || state.only) {
        var clear = el("button", "search-facet-clear", escape(attr(form, "clear")));
        clear.type = "button";
        clear.onclick = function () { state.f = {}; state.only = ""; go(true); };
        facets.appendChild(clear);
      }
    }
    function go(push) {
      write(push);
      var mine = ++serial;
      meta().then(function (m) {
        return Promise.all(m.f.map(function (f, i) { return facet(i); })).then(function (xs) {
          S.facetValues = xs;
          return S.query(state.q, options(m));
        });
      }).then(function (r) {
        if (mine !== serial) return;
        list.innerHTML = "";
        shown = 0;
        render(r, false);
      });
    }
    more.onclick = function () {
      meta().then(function (m) {
        var o = options(m);
        o.from = shown;
        o.counts = false;
        return S.query(state.q, o);
      }).then(function (r) { render(r, true); });
    };
    form.addEventListener("submit", function (e) { e.preventDefault(); state.q = input.value.trim(); go(true); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = input.value.trim(); go(false); }, 80);
    });
    w.addEventListener("popstate", function () { read(); go(false); });
    read();
    go(false);
  }
})(typeof window !== "undefined" ? window : globalThis);
