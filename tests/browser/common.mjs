// What the browser tests share: where casebook and Chromium are, building a site into a fresh
// folder, serving it on a sub-path, launching Chromium and opening a page with its errors recorded.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';

export const repo = resolve(import.meta.dirname, '../..');
export const binary = process.env.CASEBOOK_BIN ?? join(repo, 'target/release/casebook');
export const shots = join(import.meta.dirname, 'screenshots');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

if (!existsSync(chromiumPath)) {
  throw new Error(`Chromium not found at ${chromiumPath}: install it with "apt-get install chromium" (scripts/test does this)`);
}
if (!existsSync(binary)) {
  throw new Error(`casebook not built at ${binary}: run "cargo build --release" (scripts/test does this)`);
}
mkdirSync(shots, { recursive: true });

/** Builds the site at `root` into a fresh folder and returns the folder. */
export function build(root) {
  const out = join(mkdtempSync(join(tmpdir(), 'casebook-browser-')), 'public');
  execFileSync(binary, ['build', '--root', root, '--output', out], { stdio: 'pipe' });
  return out;
}

/** Serves `dir` on 127.0.0.1 under /casebook/, like a site published on a sub-path; pushes each
 * path it serves to `served`. */
export function serveStatic(dir, served = []) {
  const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.xml': 'application/xml', '.png': 'image/png', '.pdf': 'application/pdf' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    if (!path.startsWith('/casebook/')) { res.writeHead(404).end(); return; }
    let file = resolve(dir, '.' + path.slice('/casebook'.length));
    if (!file.startsWith(dir + sep) && file !== dir) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404, { 'content-type': types['.html'] }).end(readFileSync(join(dir, '404.html'))); return; }
    served.push(path);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Builds the site at `root`, serves it under /casebook/ and launches a browser: `{ browser,
 * server, base, dir }`, to close with `closeAll`. */
export async function buildAndServe(root, served = []) {
  const dir = build(root);
  const server = await serveStatic(dir, served);
  const base = `http://127.0.0.1:${server.address().port}/casebook/`;
  return { browser: await launch(), server, base, dir };
}

/** Closes what `buildAndServe` opened. */
export async function closeAll(site) {
  await site?.browser?.close();
  site?.server?.close();
}

/** Debian's Chromium, headless, with the flags this closed network needs. */
export function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens `url` at `width`; `errors` collects script errors and failed requests. */
export async function open(browser, url, width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(url);
  return { page, errors };
}
