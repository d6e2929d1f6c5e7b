// `casebook serve` as an editor uses it: a page open beside the editor follows every save, shows
// an overlay while the site does not build, and swaps stylesheets in place. Headless Chromium
// (Debian's package); run after `cargo build --release`. The overlay's screenshot goes to
// screenshots/serve-overlay.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, launch, repo, shots } from './common.mjs';

const patience = { timeout: 20000 };

/** Starts `casebook serve --port 0` on `root` and resolves with the URL it prints. */
function serve(root) {
  const child = spawn(binary, ['serve', '--root', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL printed in time:\n${output}`)), patience.timeout);
    const read = (chunk) => {
      output += chunk;
      const found = output.match(/serving .* at (http:\/\/\S+\/)/);
      if (found) {
        clearTimeout(timer);
        ok({ child, url: found[1] });
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => fail(new Error(`casebook serve exited (${code}):\n${output}`)));
  });
}

let browser, server, base, root, page, pageErrors;
const practice = () => join(root, 'content/practices/cold-chain.zh.md');
const edit = (change) => writeFileSync(practice(), change(readFileSync(practice(), 'utf8')));

before(async () => {
  mkdirSync(shots, { recursive: true });
  root = join(mkdtempSync(join(tmpdir(), 'casebook-serve-')), 'site');
  cpSync(join(repo, 'tests/fixtures/basic'), root, { recursive: true });
  server = await serve(root);
  base = server.url;
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(base + 'practices/cold-chain/');
});

after(async () => {
  await browser?.close();
  if (server) {
    // Ctrl-C: the server stops at once.
    const exited = new Promise((ok) => server.child.once('exit', (code, signal) => ok(signal ?? code)));
    server.child.kill('SIGINT');
    assert.equal(await exited, 'SIGINT');
  }
});

const shows = (text) => page.waitForFunction((t) => document.body.innerText.includes(t), text, patience);

test('a save shows in the open page, at the same scroll position', async () => {
  const url = page.url();
  const filler = Array.from({ length: 60 }, (_, i) => `第${i + 1}段：让页面足够长，以便检查滚动位置。`).join('\n\n');
  edit((text) => `${text}\n${filler}\n\n第一次保存的新文字。\n`);
  await shows('第一次保存的新文字。');

  await page.evaluate(() => window.scrollTo(0, 900));
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 800, `the page is long enough to scroll (${y})`);
  await page.evaluate(() => { window.casebookMarker = 'before'; });
  edit((text) => text.replace('第一次保存的新文字。', '第二次保存的新文字。'));
  await shows('第二次保存的新文字。');
  assert.equal(await page.evaluate(() => window.casebookMarker), undefined, 'the page reloaded');
  assert.equal(page.url(), url, 'no navigation');
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 2, y, patience);
  assert.deepEqual(pageErrors, []);
});

test('a broken save shows the errors over the last good page, escaped, until fixed', async () => {
  edit((text) => text.replace('aspect: green', 'aspect: grean'));
  const overlay = page.locator('#casebook-errors pre');
  await overlay.waitFor(patience);
  const shown = await overlay.innerText();
  assert.match(shown, /content\/practices\/cold-chain\.zh\.md:3:9: error: .*grean/);
  assert.ok((await page.locator('main').innerText()).includes('第二次保存的新文字。'), 'the last good page stays');
  await page.screenshot({ path: join(shots, 'serve-overlay.png') });

  // Diagnostics quote the editor's text: it is shown, never run.
  edit((text) => text.replace('aspect: grean', 'aspect: <img src=x onerror="window.casebookInjected=1">'));
  await page.waitForFunction(() => document.querySelector('#casebook-errors')?.shadowRoot
    .querySelector('pre').textContent.includes('<img src=x'), null, patience);
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length
    + document.querySelector('#casebook-errors').shadowRoot.querySelectorAll('img').length), 0);
  assert.equal(await page.evaluate(() => window.casebookInjected), undefined);

  edit((text) => text.replace('aspect: <img src=x onerror="window.casebookInjected=1">', 'aspect: green')
    .replace('第二次保存的新文字。', '修好之后的文字。'));
  await shows('修好之后的文字。');
  await page.locator('#casebook-errors').waitFor({ state: 'detached', ...patience });
  assert.deepEqual(pageErrors, []);
});

test('a stylesheet change is swapped in without a reload', async () => {
  await page.evaluate(() => { window.casebookMarker = 'kept'; });
  const styled = join(root, 'static/style.css');
  mkdirSync(join(root, 'static'), { recursive: true });
  writeFileSync(styled, 'body { background: rgb(1, 2, 3); }\n');
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)', null, patience);
  assert.equal(await page.evaluate(() => window.casebookMarker), 'kept', 'no reload');
  rmSync(join(root, 'static'), { recursive: true });
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor !== 'rgb(1, 2, 3)', null, patience);
  assert.equal(await page.evaluate(() => window.casebookMarker), 'kept', 'no reload');
  assert.deepEqual(pageErrors, []);
});
