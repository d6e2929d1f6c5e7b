// The built example casebook as a reader sees it, in headless Chromium (Debian's package).
// Run through scripts/test, which builds casebook first; screenshots go to screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, launch, open as openPage, repo, serveStatic, shots } from './common.mjs';

let browser, server, base, example;

before(async () => {
  example = build(repo);
  server = await serveStatic(example);
  base = `http://127.0.0.1:${server.address().port}/casebook/`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const open = (url, width) => openPage(browser, url, width);

test('the home page shows the five aspects in both languages', async () => {
  for (const [path, name, first] of [['', 'home-zh', '标准化助力商贸流通企业创新发展'], ['en/', 'home-en', 'Innovative development of circulation enterprises through standardization']]) {
    const { page, errors } = await open(base + path);
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(first), `${path}: ${first}`);
    assert.equal(await page.locator('html').getAttribute('lang'), path ? 'en' : 'zh');
    await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('a practice page has its facts, contents and a working language switch', async () => {
  const { page, errors } = await open(base + 'practices/xuzhou/');
  const h1 = await page.locator('h1').first().innerText();
  assert.ok(h1.includes('淮海经济区'), h1);
  const main = await page.locator('main').innerText();
  assert.ok(main.includes('江苏'), 'region in the facts box');
  await page.screenshot({ path: join(shots, 'practice-zh-desktop.png'), fullPage: true });
  await page.locator('a[hreflang="en"]').first().click();
  await page.waitForURL(/\/en\/practices\/xuzhou\/$/);
  assert.ok((await page.locator('h1').first().innerText()).includes('Xuzhou'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('pages fit a phone screen without sideways scrolling', async () => {
  for (const [path, name] of [['', 'home-zh'], ['en/practices/xuzhou/', 'practice-en'], ['documents/notice-2023/', 'document-zh']]) {
    const { page } = await open(base + path, 375);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
    await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    await page.close();
  }
});

test('the site works when opened from disk', async () => {
  const { page, errors } = await open(pathToFileURL(join(example, 'index.html')).href);
  await page.locator('main a[href*="practices/"]').first().click();
  assert.match(page.url(), /practices\/.*index\.html$/);
  assert.ok((await page.locator('h1').first().innerText()).length > 0);
  assert.ok(!(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).startsWith('"Times'), 'stylesheet loaded');
  assert.deepEqual(errors.filter((e) => !e.startsWith('net::')), []);
  await page.close();
});

test('the print page holds the whole collection with print styles', async () => {
  const { page } = await open(base + 'print/');
  await page.emulateMedia({ media: 'print' });
  assert.ok((await page.locator('main').innerText()).includes('徐州'));
  assert.equal(await page.locator('header nav').first().isVisible().catch(() => false), false, 'navigation hidden in print');
  await page.pdf({ path: join(shots, 'print-zh.pdf') });
  await page.close();
});

test('a <script> in front matter shows as text and never runs', async () => {
  const fixture = build(join(repo, 'tests/fixtures/basic'));
  const { page } = await open(pathToFileURL(join(fixture, 'about/index.html')).href);
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });
  await page.reload();
  const h1 = await page.locator('h1').first().innerText();
  assert.ok(h1.includes('<script>alert(1)</script>'), h1);
  assert.equal(dialogs, 0);
  await page.close();
});
