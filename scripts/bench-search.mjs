// The measuring half of scripts/bench-search: sizes on disk, and what each query fetches.
//
// casebook: scripts/search.mjs runs the browser's client in Node and records each index file it
// loads, as the browser would request it: the shards of the query's terms, then one document file
// per result shown (5, with snippets). search.js itself is counted once, apart.
// Pagefind: its own client (pagefind.js + WebAssembly) in headless Chromium against a local HTTP
// server that counts every response under /pagefind/: init, search, and data() of the first 5
// results (Pagefind's UI also loads 5 at first).
// Bytes are counted as stored (what file:// or a server without compression sends) and gzipped
// (what a server that compresses sends; Pagefind stores its index already compressed, so only its
// JavaScript and JSON shrink further).
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { join, resolve, sep, extname } from 'node:path';
import { createRequire } from 'node:module';
import { client } from './search.mjs';

const [publicDir, buildSeconds, indexJson, pagefindSeconds, pagefindLog, exampleDir] = process.argv.slice(2);
const repo = resolve(import.meta.dirname, '..');
const require = createRequire(join(repo, 'tests/browser/package.json'));
const { chromium } = require('playwright-core');

const queries = [
  ['zh', 'one word', '冷链物流'],
  ['zh', 'three words', '冷链物流 县域商业 标准化'],
  ['en', 'one word', 'standardization'],
  ['en', 'three words', 'cold chain logistics'],
];
const SHOWN = 5;

function walk(dir) {
  let files = 0, bytes = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    if (s.isDirectory()) {
      const sub = walk(path);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files += 1;
      bytes += s.size;
    }
  }
  return { files, bytes };
}
const gz = (buf) => gzipSync(buf, { level: 6 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// ---- casebook ----
const ours = walk(join(publicDir, 'search-index'));
const clientFile = readFileSync(join(publicDir, 'search.js'));
ours.files += 1;
ours.bytes += clientFile.length;
const index = JSON.parse(readFileSync(indexJson, 'utf8'));

async function casebookQuery(lang, q) {
  const { search, files } = client(publicDir);
  // Time the ranking once the files are in memory: run once to load, then again from cache.
  const r = await search.query(q, { lang, size: SHOWN, snippet: 160 });
  const started = performance.now();
  await search.query(q, { lang, size: SHOWN, snippet: 160 });
  const ms = performance.now() - started;
  const loaded = files.map((f) => readFileSync(join(publicDir, 'search-index', `${f.name}.js`)));
  const facets = await search.query(q, { lang, size: SHOWN, counts: true });
  const facetFiles = files.slice(loaded.length).map((f) => readFileSync(join(publicDir, 'search-index', `${f.name}.js`)));
  return {
    total: r.total,
    top: r.items.slice(0, 3).map((i) => i.doc.u),
    requests: loaded.length,
    bytes: loaded.reduce((s, b) => s + b.length, 0),
    gzip: loaded.reduce((s, b) => s + gz(b), 0),
    shardRequests: files.filter((f) => f.name.startsWith('s/')).length,
    facetRequests: facetFiles.length,
    facetBytes: facetFiles.reduce((s, b) => s + b.length, 0),
    facetGzip: facetFiles.reduce((s, b) => s + gz(b), 0),
    rankMs: ms,
    facetTotal: facets.total,
  };
}

// ---- Pagefind ----
const pf = walk(join(publicDir, 'pagefind'));

function serve(dir, log) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    let file = resolve(dir, '.' + path);
    if (!file.startsWith(dir + sep)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end(); return; }
    const body = readFileSync(file);
    if (path.startsWith('/pagefind/')) log.push({ path, bytes: body.length, gzip: /\.(js|json|css)$/.test(path) ? gz(body) : body.length });
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function pagefindQuery(browser, origin, log, lang, q, path = 'practices/p00001/') {
  const page = await browser.newPage();
  await page.goto(`${origin}/${lang === 'zh' ? '' : 'en/'}${path}`);
  log.length = 0;
  const result = await page.evaluate(async ([q, shown]) => {
    const pagefind = await import('/pagefind/pagefind.js');
    await pagefind.init();
    const r = await pagefind.search(q);
    const data = await Promise.all(r.results.slice(0, shown).map((x) => x.data()));
    return { total: r.results.length, top: data.slice(0, 3).map((d) => d.url) };
  }, [q, SHOWN]);
  const entries = log.slice();
  await page.close();
  const fixed = entries.filter((e) => /pagefind\.js$|\.pagefind$|entry\.json$/.test(e.path) && !e.path.includes('/index/') && !e.path.includes('/fragment/'));
  return {
    ...result,
    requests: entries.length,
    bytes: entries.reduce((s, e) => s + e.bytes, 0),
    gzip: entries.reduce((s, e) => s + e.gzip, 0),
    fixedBytes: fixed.reduce((s, e) => s + e.bytes, 0),
    fixedGzip: fixed.reduce((s, e) => s + e.gzip, 0),
    fixedRequests: fixed.length,
    files: entries.map((e) => e.path),
  };
}

const log = [];
const server = await serve(resolve(publicDir), log);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const rows = [];
for (const [lang, kind, q] of queries) {
  const c = await casebookQuery(lang, q);
  const p = await pagefindQuery(browser, origin, log, lang, q);
  rows.push({ lang, kind, q, casebook: c, pagefind: p });
}
server.close();

// Chinese recall on the example casebook: pages whose text holds the query, and how many each finds.
const recallQueries = ['伏羊', '淮海码', '统仓共配', '县域配送', '养生菜品', '非物质文化遗产', '商圈', '标准化', '试点城市', '配送'];
const recall = [];
if (exampleDir) {
  const exLog = [];
  const exServer = await serve(resolve(exampleDir), exLog);
  const exOrigin = `http://127.0.0.1:${exServer.address().port}`;
  const { search } = client(exampleDir);
  const meta = await search.load('meta');
  const zh = meta.l.find((l) => l.c === 'zh');
  const docs = [];
  for (let i = zh.a; i < zh.b; i++) docs.push(await search.document(i));
  for (const q of recallQueries) {
    const truth = docs.filter((d) => (d.t + d.x + d.s).includes(q)).length;
    const ours = (await search.query(q, { lang: 'zh', only: 'zh', size: 1 })).total;
    const p = await pagefindQuery(browser, exOrigin, exLog, 'zh', q, 'about/');
    recall.push({ q, truth, casebook: ours, pagefind: p.total });
  }
  exServer.close();
}
await browser.close();

const pagefindIndexed = (readFileSync(pagefindLog, 'utf8').match(/Indexed (\d+) pages?/) ?? [])[1];
const out = [];
out.push(`| | casebook | Pagefind |`);
out.push(`| --- | --- | --- |`);
out.push(`| pages indexed | ${index.pages} | ${pagefindIndexed ?? '?'} |`);
out.push(`| index build time | ${index.seconds.toFixed(2)} s (index alone, in a ${Number(buildSeconds).toFixed(1)} s build) | ${Number(pagefindSeconds).toFixed(2)} s (a separate run over the built HTML) |`);
out.push(`| index size on disk | ${kb(ours.bytes)} | ${kb(pf.bytes)} |`);
out.push(`| files | ${ours.files} | ${pf.files} |`);
for (const r of rows) {
  const c = r.casebook, p = r.pagefind;
  out.push(`| ${r.lang} ${r.kind} \`${r.q}\`: results | ${c.total} | ${p.total} |`);
  out.push(`| ↳ requests (cold; casebook + search.js) | ${c.requests} + 1 (${c.shardRequests} shards) | ${p.requests} (${p.fixedRequests} for the client and its language) |`);
  out.push(`| ↳ bytes as stored | ${kb(c.bytes)} + ${kb(clientFile.length)} client | ${kb(p.bytes - p.fixedBytes)} + ${kb(p.fixedBytes)} client, wasm, meta |`);
  out.push(`| ↳ bytes gzipped | ${kb(c.gzip)} + ${kb(gz(clientFile))} client | ${kb(p.gzip - p.fixedGzip)} + ${kb(p.fixedGzip)} client, wasm, meta |`);
  out.push(`| ↳ facet counts on the search page | +${c.facetRequests} files, ${kb(c.facetBytes)} (${kb(c.facetGzip)} gzipped) | (not loaded) |`);
  out.push(`| ↳ ranking once files are in memory | ${c.rankMs.toFixed(1)} ms | |`);
}
console.log(out.join('\n'));
if (recall.length) {
  console.log('\nChinese recall on the example casebook (Chinese pages whose text holds the query / found):\n');
  console.log('| query | pages holding it | casebook finds | Pagefind finds |');
  console.log('| --- | --- | --- | --- |');
  for (const r of recall) console.log(`| ${r.q} | ${r.truth} | ${r.casebook} | ${r.pagefind} |`);
}
console.log('\n<details><summary>files Pagefind fetched</summary>\n');
for (const r of rows) console.log(`- ${r.lang} \`${r.q}\`: ${r.pagefind.files.join(', ')}`);
console.log('\n</details>');
console.error(JSON.stringify(rows, null, 1));
