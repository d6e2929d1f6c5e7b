//! The search index: tokenization against the vectors the client shares, ranking on a fixture,
//! and the layout of the shard files.
mod common;

use casebook::search::{self, shard, stem, tokenize};
use common::Fixture;
use serde_json::Value;
use std::collections::BTreeMap;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn tokenization_matches_the_shared_vectors() {
    let v = vectors();
    for case in v["tokenize"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let tokens = tokenize::tokenize(text);
        let terms: Vec<&str> = tokens.iter().map(|t| t.term.as_str()).collect();
        let positions: Vec<u64> = tokens.iter().map(|t| t.position as u64).collect();
        let stops: Vec<u64> = (0..tokens.len())
            .filter(|&i| tokens[i].stop)
            .map(|i| i as u64)
            .collect();
        let expected = |key: &str| -> Vec<Value> { case[key].as_array().unwrap().clone() };
        assert_eq!(
            serde_json::json!(terms),
            Value::Array(expected("terms")),
            "terms of {text:?}"
        );
        assert_eq!(
            serde_json::json!(positions),
            Value::Array(expected("positions")),
            "positions of {text:?}"
        );
        assert_eq!(
            serde_json::json!(stops),
            Value::Array(expected("stop")),
            "stop words of {text:?}"
        );
        assert_eq!(
            serde_json::json!(tokenize::index_terms(text)),
            Value::Array(expected("index")),
            "index terms of {text:?}"
        );
    }
    for pair in v["stem"].as_array().unwrap() {
        assert_eq!(
            stem::stem(pair[0].as_str().unwrap()),
            pair[1].as_str().unwrap()
        );
    }
    for pair in v["fnv"].as_array().unwrap() {
        assert_eq!(
            shard::fnv1a(pair[0].as_str().unwrap()) as u64,
            pair[1].as_u64().unwrap()
        );
    }
    for pair in v["numbers"].as_array().unwrap() {
        let mut s = Vec::new();
        shard::push_number(&mut s, pair[0].as_u64().unwrap() as u32);
        assert_eq!(s, pair[1].as_str().unwrap().as_bytes());
    }
}

#[test]
fn the_vectors_cover_what_the_issue_asks_for() {
    let terms = |text: &str| -> Vec<String> {
        tokenize::tokenize(text)
            .into_iter()
            .map(|t| t.term)
            .collect()
    };
    // A two-character word inside a long run is one of the run's bigrams.
    assert!(terms("推动政务数字化转型").contains(&"政务".to_string()));
    assert_eq!(terms("Zabbix 监控"), ["zabbix", "监控"]);
    assert_eq!(terms("standardizing"), terms("standardization"));
    assert_eq!(
        terms("ＧＢ／Ｔ　３１５２６－２０１５"),
        terms("GB/T 31526-2015")
    );
    let v = vectors();
    let listed: Vec<&str> = v["tokenize"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    for text in [
        "推动政务数字化转型",
        "Zabbix 监控",
        "GB/T 31526-2015",
        "ＧＢ／Ｔ　３１５２６－２０１５",
        "茶",
    ] {
        assert!(listed.contains(&text), "{text} is a shared vector");
    }
    // Invisible characters and no-break spaces separate words on both sides.
    for c in [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{00A0}',
        '\u{202F}', '\u{2007}',
    ] {
        assert!(
            listed.iter().any(|text| text.contains(c)),
            "{c:?} is in a shared vector"
        );
    }
}

/// The data a script of the index registers.
fn registered(text: &str) -> (String, Value) {
    let rest = text
        .strip_prefix("window.__casebookSearch.register(\"")
        .expect("a register call");
    let (name, rest) = rest.split_once("\",").unwrap();
    let json = rest.trim_end().strip_suffix(");").unwrap();
    (name.to_string(), serde_json::from_str(json).unwrap())
}

fn index_file(site: &Fixture, name: &str) -> Value {
    let (registered_as, data) = registered(&site.read(&format!("search-index/{name}.js")));
    assert_eq!(registered_as, name);
    data
}

fn decode_numbers(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut value, mut shift) = (0u32, 0);
    for b in s.bytes() {
        let digit = shard::ALPHABET.iter().position(|&a| a == b).unwrap() as u32;
        if digit >= 32 {
            value |= (digit - 32) << shift;
            shift += 5;
        } else {
            out.push(value | (digit << shift));
            value = 0;
            shift = 0;
        }
    }
    out
}

/// Document id -> impact, for one term.
fn postings(site: &Fixture, meta: &Value, term: &str) -> BTreeMap<u32, u32> {
    let k = meta["k"].as_u64().unwrap() as u32;
    let shard = index_file(site, &format!("s/{}", shard::shard_of(term, k)));
    let numbers = decode_numbers(shard[term].as_str().unwrap_or(""));
    let mut out = BTreeMap::new();
    let mut previous: i64 = -1;
    for pair in numbers.chunks(2) {
        previous += pair[0] as i64 + 1;
        out.insert(previous as u32, pair[1]);
    }
    out
}

/// The documents matching every term of the query, best first, as the client ranks them
/// before it loads any document.
fn ranked(site: &Fixture, meta: &Value, query: &str) -> Vec<String> {
    let terms: Vec<String> = tokenize::tokenize(query)
        .into_iter()
        .filter(|t| !t.stop)
        .map(|t| t.term)
        .collect();
    let lists: Vec<BTreeMap<u32, u32>> = terms.iter().map(|t| postings(site, meta, t)).collect();
    let mut scores: Vec<(u32, f32)> = lists[0]
        .keys()
        .filter(|id| lists.iter().all(|l| l.contains_key(id)))
        .map(|&id| {
            let sum: u32 = lists.iter().map(|l| l[&id] >> 1).sum();
            let titled = lists.iter().all(|l| l[&id] & 1 == 1);
            (id, sum as f32 * if titled { 1.5 } else { 1.0 })
        })
        .collect();
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scores
        .iter()
        .map(|(id, _)| {
            index_file(site, &format!("d/{id}"))["u"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn ranking_puts_title_matches_first() {
    let site = Fixture::copy("search");
    site.build_ok();
    let meta = index_file(&site, "meta");
    // 政务 is in the title of one practice and in the body of another.
    assert_eq!(ranked(&site, &meta, "政务")[0], "practices/government/");
    // A practice's own title finds it first, although another body holds the same words.
    let own = ranked(&site, &meta, "政务服务标准化");
    assert_eq!(own[0], "practices/government/", "{own:?}");
    assert!(own.contains(&"practices/counties/".to_string()), "{own:?}");
    assert_eq!(
        ranked(&site, &meta, "县域商业体系建设")[0],
        "practices/counties/"
    );
    // Stems: the query's form need not be the text's.
    assert_eq!(
        ranked(&site, &meta, "standardizing"),
        ["en/practices/government/"]
    );
    assert_eq!(
        ranked(&site, &meta, "Zabbix 监控"),
        ["practices/monitoring/"]
    );
    assert_eq!(ranked(&site, &meta, "GB/T 31526-2015").len(), 2);
    // A one-character query finds the character anywhere.
    assert_eq!(ranked(&site, &meta, "冷")[0], "practices/monitoring/");
}

#[test]
fn shards_hold_the_terms_that_hash_to_them() {
    let site = Fixture::copy("search");
    site.build_ok();
    let meta = index_file(&site, "meta");
    let k = meta["k"].as_u64().unwrap() as u32;
    let shards: Vec<_> = std::fs::read_dir(site.public().join("search-index/s"))
        .unwrap()
        .collect();
    assert_eq!(shards.len() as u32, k, "one file per shard");
    for n in 0..k {
        for term in index_file(&site, &format!("s/{n}"))
            .as_object()
            .unwrap()
            .keys()
        {
            assert_eq!(shard::shard_of(term, k), n, "{term} is in the wrong shard");
        }
    }

    // Documents: one per page, numbered by language, newest first.
    let n = meta["n"].as_u64().unwrap() as usize;
    assert_eq!(n, 5);
    let docs: Vec<Value> = (0..n)
        .map(|i| index_file(&site, &format!("d/{i}")))
        .collect();
    let languages = meta["l"].as_array().unwrap();
    assert_eq!(languages[0]["c"], "zh");
    assert_eq!(
        (languages[0]["a"].as_u64(), languages[0]["b"].as_u64()),
        (Some(0), Some(3))
    );
    for l in languages {
        let (a, b) = (
            l["a"].as_u64().unwrap() as usize,
            l["b"].as_u64().unwrap() as usize,
        );
        assert!(docs[a..b].iter().all(|d| d["l"] == l["c"]));
        let dates: Vec<&str> = docs[a..b]
            .iter()
            .map(|d| d["d"].as_str().unwrap())
            .collect();
        assert!(
            dates.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {dates:?}"
        );
    }
    assert_eq!(docs[0]["u"], "practices/counties/");
    assert_eq!(
        docs[0]["m"],
        serde_json::json!(["物流", "浙江省"]),
        "aspect and region, named"
    );
    assert_eq!(docs[0]["y"], "2024年1月15日");
    assert!(document_text(&docs[0]).contains("县域商业是政务服务标准化之外"));

    // Words by their first two letters, for completing a word being typed.
    let st = index_file(&site, "p/st");
    assert!(
        st.as_array().unwrap().iter().any(|w| w[0] == "standard"),
        "{st}"
    );

    // Facets: one per taxonomy; closed terms are one value across languages.
    let facets = meta["f"].as_array().unwrap();
    assert_eq!(
        facets
            .iter()
            .map(|f| f["k"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["aspect", "region", "tags", "year"]
    );
    let aspect = index_file(&site, "f/0");
    assert_eq!(aspect["k"], serde_json::json!(["logistics", "green"]));
    assert_eq!(
        aspect["n"][0],
        serde_json::json!({"zh": "物流", "en": "Logistics"})
    );
    let logistics: Vec<u32> = {
        let mut previous: i64 = -1;
        decode_numbers(aspect["d"][0].as_str().unwrap())
            .into_iter()
            .map(|gap| {
                previous += gap as i64 + 1;
                previous as u32
            })
            .collect()
    };
    let urls: Vec<&str> = logistics
        .iter()
        .map(|&i| docs[i as usize]["u"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "practices/counties/",
            "practices/government/",
            "en/practices/government/"
        ]
    );
}

#[test]
fn every_taxonomy_is_a_facet_of_the_search_page() {
    let site = Fixture::copy("blog");
    site.build_ok();
    let meta = index_file(&site, "meta");
    let facets: Vec<&str> = (meta["f"].as_array().unwrap().iter())
        .map(|f| f["k"].as_str().unwrap())
        .collect();
    assert_eq!(facets, ["industry", "tags"]);
    let industry = index_file(&site, "f/0");
    assert_eq!(industry["k"], serde_json::json!(["Food", "Retail", "零售"]));
    for lang in ["", "zh/"] {
        assert_eq!(
            site.page(&format!("{lang}search")).count("#search-facets"),
            1
        );
    }
}

#[test]
fn a_facet_is_titled_in_every_language_also_without_a_title_of_its_own() {
    let site = Fixture::copy("blog");
    site.replace(
        "site.yaml",
        "  - code: zh\n    name: 中文\n",
        "  - code: zh\n    name: 中文\n  - code: ar\n    name: العربية\n",
    )
    .replace(
        "site.yaml",
        "    title: { en: Tags, zh: 标签 }",
        "    title: Keywords",
    );
    site.build_ok();
    let meta = index_file(&site, "meta");
    assert_eq!(
        meta["f"][0]["t"],
        serde_json::json!({"en": "Industries", "zh": "行业", "ar": "Industries"})
    );
    assert_eq!(
        meta["f"][1]["t"],
        serde_json::json!({"en": "Keywords", "zh": "Keywords", "ar": "Keywords"})
    );
}

#[test]
fn the_search_page_exists_in_every_language() {
    let site = Fixture::copy("search");
    site.build_ok();
    for path in ["search", "en/search"] {
        let page = site.page(path);
        assert_eq!(page.count("#search-page input[name=q]"), 1, "{path}");
        assert_eq!(page.count("#search-facets"), 1);
    }
    // Every page carries the search box, a labelled combobox.
    let page = site.page("practices/government");
    assert_eq!(page.attrs("#search-input", "role"), ["combobox"]);
    assert_eq!(
        page.attrs("#search-input", "aria-controls"),
        ["search-listbox"]
    );
    assert_eq!(page.count("label[for=search-input]"), 1);
    assert_eq!(page.attrs("#search", "data-root"), ["../../"]);
    assert_eq!(
        site.page("en/practices/government")
            .attrs("#search", "action"),
        ["../../../en/search/"]
    );
}

#[test]
fn the_index_is_deterministic() {
    let site = Fixture::copy("search");
    site.build_ok();
    let first = common::snapshot(&site.public().join("search-index"));
    site.build_ok();
    assert_eq!(first, common::snapshot(&site.public().join("search-index")));
}

/// After a deliberate change of the rules, rewrites the expected values of the shared vectors
/// from this implementation (keeping their inputs); then make the client pass them too:
/// `cargo test --test search -- --ignored rewrite_the_shared_vectors`.
#[test]
#[ignore]
fn rewrite_the_shared_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/vectors.json");
    let v = vectors();
    let tokenize: Vec<Value> = v["tokenize"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let text = case["text"].as_str().unwrap();
            let tokens = tokenize::tokenize(text);
            serde_json::json!({
                "text": text,
                "terms": tokens.iter().map(|t| t.term.clone()).collect::<Vec<_>>(),
                "positions": tokens.iter().map(|t| t.position).collect::<Vec<_>>(),
                "stop": (0..tokens.len()).filter(|&i| tokens[i].stop).collect::<Vec<_>>(),
                "index": tokenize::index_terms(text),
            })
        })
        .collect();
    let first = |key: &str| -> Vec<Value> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].clone())
            .collect()
    };
    let stem: Vec<Value> = first("stem")
        .iter()
        .map(|w| serde_json::json!([w, stem::stem(w.as_str().unwrap())]))
        .collect();
    let fnv: Vec<Value> = first("fnv")
        .iter()
        .map(|w| serde_json::json!([w, shard::fnv1a(w.as_str().unwrap())]))
        .collect();
    let numbers: Vec<Value> = first("numbers")
        .iter()
        .map(|n| {
            let mut s = Vec::new();
            shard::push_number(&mut s, n.as_u64().unwrap() as u32);
            serde_json::json!([n, String::from_utf8(s).unwrap()])
        })
        .collect();
    let out =
        serde_json::json!({"tokenize": tokenize, "stem": stem, "fnv": fnv, "numbers": numbers});
    std::fs::write(path, serde_json::to_string_pretty(&out).unwrap() + "\n").unwrap();
}

/// The index of `site` built with `cache`, checked against the index built afresh.
fn build_and_compare(what: &str, site: &casebook::site::Site, cache: &mut search::Cache) {
    let cached = search::build_cached(site, Some(cache));
    let fresh = search::build(site);
    assert_eq!(
        cached.iter().map(|f| &f.path).collect::<Vec<_>>(),
        fresh.iter().map(|f| &f.path).collect::<Vec<_>>(),
        "{what}: the same files"
    );
    for (cached, fresh) in cached.iter().zip(&fresh) {
        assert!(cached == fresh, "{what}: {} differs", cached.path);
    }
}

/// serve's rebuilds reuse the previous index: after any sequence of edits, additions and
/// removals, the index they make is byte for byte the one a fresh build makes.
#[test]
fn a_cached_rebuild_makes_the_index_of_a_fresh_build() {
    let site = Fixture::copy("search");
    let mut cache = search::Cache::default();
    let mut rebuild = |what: &str| {
        let (rendered, diagnostics) = casebook::render(&casebook::BuildOptions::new(site.root()));
        let rendered = rendered.unwrap_or_else(|| panic!("{what}: {diagnostics:?}"));
        build_and_compare(what, &rendered.site, &mut cache);
        cache.updated_in_place()
    };
    let practice = |name: &str| site.root().join("content/practices").join(name);
    let original = |name: &str| std::fs::read_to_string(practice(name)).unwrap();
    let edit = |name: &str, from: &str, to: &str| {
        let text = original(name);
        assert!(text.contains(from), "{name} has {from:?}");
        site.write(
            &format!("content/practices/{name}"),
            &text.replacen(from, to, 1),
        );
    };

    assert!(!rebuild("the first build"));
    // A word for another keeps the documents and their lengths: the index is updated in place.
    edit("monitoring.en.md", "humidity", "pressure");
    assert!(rebuild("a word for a new word"));
    edit("monitoring.en.md", "pressure", "temperature");
    assert!(rebuild("a word for one the index has"));
    edit("government.zh.md", "群众", "企业");
    assert!(rebuild("Chinese words"));
    edit(
        "government.en.md",
        "title: Standardized",
        "title: Monitored",
    );
    assert!(rebuild("a word of a title"));
    edit(
        "government.en.md",
        "tags: [digital]",
        "tags: [digital, cold chain]",
    );
    rebuild("a tag");
    edit(
        "counties.zh.md",
        "## 背景",
        "## 背景\n\n新的一段：县域冷链物流标准化，Zabbix 监控。",
    );
    rebuild("a new paragraph");

    // Documents added, removed and reordered renumber them: the index is built anew.
    site.write(
        "content/practices/seeds.en.md",
        "---\ntitle: Seed logistics\naspect: logistics\nregion: Zhejiang\ndate: 2025-02-01\n\
         summary: Seeds by cold chain.\n---\nSeeds travel by cold chain, standardized.\n",
    );
    assert!(!rebuild("a practice added"));
    edit("seeds.en.md", "travel", "move");
    assert!(rebuild("the new practice edited"));
    edit("monitoring.zh.md", "date: 2021-03-02", "date: 2026-01-01");
    assert!(!rebuild("a practice moved by its date"));
    std::fs::remove_file(practice("government.en.md")).unwrap();
    assert!(!rebuild("a practice removed"));
    edit("seeds.en.md", "move", "standardizing");
    assert!(rebuild("an edit after all that"));
}

/// The same through serve's caches, which give an unchanged page the same source and Markdown as
/// the build before: its document is kept without reading its fields or text, yet whatever else
/// it shows (a title, the name of one of its terms) still reaches its file.
#[test]
fn a_rebuild_with_the_site_cache_makes_the_index_of_a_fresh_build() {
    let site = Fixture::copy("search");
    let options = casebook::BuildOptions {
        serve_mode: true,
        ..casebook::BuildOptions::new(site.root())
    };
    let mut site_cache = casebook::cache::Cache::persistent();
    let mut cache = search::Cache::default();
    let mut rebuild = |what: &str| {
        let (rendered, diagnostics) = casebook::render_cached(&options, &mut site_cache);
        let rendered = rendered.unwrap_or_else(|| panic!("{what}: {diagnostics:?}"));
        build_and_compare(what, &rendered.site, &mut cache);
        cache.documents_read()
    };
    let read = |path: &str| std::fs::read_to_string(site.root().join(path)).unwrap();
    let edit = |path: &str, from: &str, to: &str| {
        let text = read(path);
        assert!(text.contains(from), "{path} has {from:?}");
        site.write(path, &text.replacen(from, to, 1));
    };
    let practice = |name: &str| format!("content/practices/{name}");

    assert_eq!(rebuild("the first build"), 5);
    assert_eq!(rebuild("nothing changed"), 0);
    edit(&practice("monitoring.en.md"), "humidity", "pressure");
    assert_eq!(rebuild("a body"), 1);
    // The body is unchanged, and so is its rendered Markdown: the source tells.
    edit(
        &practice("government.en.md"),
        "title: Standardized",
        "title: Monitored",
    );
    assert_eq!(rebuild("a title"), 1);
    edit(
        &practice("government.en.md"),
        "summary: One standard",
        "summary: A single standard",
    );
    assert_eq!(rebuild("a summary"), 1);
    edit(
        &practice("government.en.md"),
        "tags: [digital]",
        "tags: [cold chain, digital]",
    );
    assert_eq!(rebuild("a tag, new to the site"), 1);
    // Neither the sources nor the Markdown change, but the name of a term of four pages does
    // (shown with each result, and searched).
    edit("site.yaml", "en: Logistics", "en: Freight logistics");
    edit("site.yaml", "zh: 物流", "zh: 商贸物流");
    assert_eq!(rebuild("the names of a closed taxonomy's term"), 5);
    // Every document is numbered again.
    edit(
        "site.yaml",
        "  - code: zh\n    name: 中文\n  - code: en\n    name: English\n",
        "  - code: en\n    name: English\n  - code: zh\n    name: 中文\n",
    );
    assert_eq!(rebuild("the languages in another order"), 5);
    assert_eq!(rebuild("nothing changed again"), 0);
    // The newest page now: the documents of its language are numbered again.
    edit(
        &practice("monitoring.zh.md"),
        "date: 2021-03-02",
        "date: 2026-01-01",
    );
    assert_eq!(rebuild("a practice moved by its date"), 1);
    site.write(
        &practice("seeds.en.md"),
        "---\ntitle: Seed logistics\naspect: logistics\nregion: Zhejiang\ndate: 2025-02-01\n\
         summary: Seeds by cold chain.\n---\nSeeds travel by cold chain, standardized.\n",
    );
    rebuild("a practice added");
    edit(&practice("seeds.en.md"), "travel", "move");
    assert_eq!(rebuild("the new practice edited"), 1);
    std::fs::remove_file(site.root().join(practice("government.en.md"))).unwrap();
    rebuild("a practice removed");
    assert_eq!(rebuild("nothing changed at the end"), 0);
}

/// A document's text as the client reads it: `z` in base64, zlib, the inside of a JSON string.
fn document_text(doc: &serde_json::Value) -> String {
    use std::io::Read as _;
    let digit = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let z = doc["z"]
        .as_str()
        .expect("the text is compressed")
        .as_bytes();
    let mut bytes = Vec::new();
    for group in z.chunks(4) {
        let digits: Vec<u8> = group.iter().copied().filter(|&c| c != b'=').collect();
        let n = digits.iter().fold(0, |n, &c| n << 6 | digit(c)) << (6 * (4 - digits.len()));
        bytes.extend(&n.to_be_bytes()[1..digits.len()]);
    }
    let mut inside = String::new();
    flate2::read::ZlibDecoder::new(&bytes[..])
        .read_to_string(&mut inside)
        .unwrap();
    serde_json::from_str(&format!("\"{inside}\"")).unwrap()
}
