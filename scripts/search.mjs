#!/usr/bin/env node
// Searches a built casebook from the terminal with the browser's own client: it runs
// PUBLIC_DIR/search.js in a sandbox with a stub `window`, and loads the index files the way the
// browser does, by running their script text (which calls window.__casebookSearch.register).
//
//   node scripts/search.mjs PUBLIC_DIR QUERY [--lang zh] [--only en] [--facet aspect=green] [--size 10] [--counts] [--stats]
//
// Prints the ranked results as JSON: [{url, title, score, lang, snippet}]; with --stats, an object
// {results, files, bytes} that also counts the index files the query loaded; --counts loads the
// facets and adds their counts, as the search page does.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** Loads the client of a built site. Returns its API and the list of files it read. */
export function client(publicDir) {
  const dir = resolve(publicDir);
  // What the client uses of the browser: the document texts are inflated with DecompressionStream.
  const context = vm.createContext({ URLSearchParams, console, atob, Blob, DecompressionStream, Response });
  context.window = context;
  const code = readFileSync(join(dir, 'search.js'), 'utf8');
  vm.runInContext(code, context, { filename: 'search.js' });
  const search = context.__casebookSearch;
  const files = [];
  search.loader = (name) => {
    const path = join(dir, 'search-index', `${name}.js`);
    const text = readFileSync(path, 'utf8');
    files.push({ name, bytes: Buffer.byteLength(text) });
    vm.runInContext(text, context, { filename: path });
  };
  return { search, files, clientBytes: Buffer.byteLength(code) };
}

/** Runs a query and returns plain results. */
export async function query(search, q, { lang = 'zh', only = '', facets = {}, size = 10, counts = false } = {}) {
  const meta = await search.load('meta');
  const chosen = {};
  for (const [key, value] of Object.entries(facets)) {
    const f = meta.f.findIndex((x) => x.k === key);
    if (f < 0) throw new Error(`no facet ${key}; the facets are ${meta.f.map((x) => x.k).join(', ')}`);
    const values = await search.load(`f/${f}`);
    chosen[f] = values.k.indexOf(value);
  }
  const r = await search.query(q, { lang, only, facets: chosen, size, counts });
  // Plain data of this realm, not the sandbox's.
  return JSON.parse(JSON.stringify({
    total: r.total,
    partial: r.partial,
    counts: r.counts,
    results: r.items.map((item) => ({
      url: item.doc.u,
      title: item.doc.t,
      score: Math.round(item.score * 1000) / 1000,
      lang: item.lang,
      snippet: item.snippet,
    })),
  }));
}

async function main(argv) {
  const args = [];
  const opts = { facets: {} };
  let stats = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--lang') opts.lang = argv[++i];
    else if (a === '--only') opts.only = argv[++i];
    else if (a === '--size') opts.size = Number(argv[++i]);
    else if (a === '--facet') {
      const [k, v] = argv[++i].split('=');
      opts.facets[k] = v;
    } else if (a === '--stats') stats = true;
    else args.push(a);
  }
  if (args.length < 2) {
    console.error('usage: node scripts/search.mjs PUBLIC_DIR QUERY [--lang zh] [--only en] [--facet aspect=green] [--size 10] [--counts] [--stats]');
    process.exit(2);
  }
  const [publicDir, ...words] = args;
  const { search, files, clientBytes } = client(publicDir);
  const started = performance.now();
  const r = await query(search, words.join(' '), opts);
  const ms = performance.now() - started;
  if (stats) {
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    console.log(JSON.stringify({ total: r.total, results: r.results, counts: r.counts ?? undefined, files: files.map((f) => f.name), requests: files.length, bytes, client_bytes: clientBytes, ms: Math.round(ms) }, null, 2));
  } else {
    console.log(JSON.stringify(r.results, null, 2));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
