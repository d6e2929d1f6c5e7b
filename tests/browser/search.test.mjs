// Search as a reader uses it, in headless Chromium, over the built example casebook: served from a
// sub-path over HTTP and opened from disk. Screenshots go to screenshots/search-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, launch, open as openPage, repo, serveStatic, shots } from './common.mjs';

let browser, server, base, example;
const served = [];

before(async () => {
  example = build(repo);
  server = await serveStatic(example, served);
  base = `http://127.0.0.1:${server.address().port}/casebook/`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const open = (url, width) => openPage(browser, url, width);

/** Types a query into the header box, reached with "/" as a reader would. */
async function typeInBox(page, query) {
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input', '"/" focuses the box');
  await page.keyboard.type(query, { delay: 20 });
  // The results shown are those of the whole query, not of a prefix typed on the way.
  await page.waitForFunction((q) => document.getElementById('search-listbox').getAttribute('data-query') === q, query);
}

test('a Chinese word from inside a sentence, chosen with the keyboard, is highlighted on its page', async () => {
  const { page, errors } = await open(base);
  const before = served.length;
  await typeInBox(page, '伏羊');
  const input = page.locator('#search-input');
  assert.equal(await input.getAttribute('aria-expanded'), 'true');
  const first = page.locator('#search-listbox [role=option]').first();
  assert.match(await first.innerHTML(), /<mark>伏羊<\/mark>/);
  assert.ok((await first.innerText()).includes('发挥标准化试点支撑作用'), 'the Chinese practice first for a Chinese reader');
  assert.match(await page.locator('#search-live').innerText(), /找到 \d+ 条结果/);
  const fetched = served.slice(before);
  assert.ok(fetched.some((p) => p.endsWith('/search.js')), 'search.js loads when the box is used');
  assert.ok(fetched.some((p) => /search-index\/s\/\d+\.js$/.test(p)), 'a shard loads');
  await page.screenshot({ path: join(shots, 'search-box-zh.png') });

  await page.keyboard.press('ArrowDown');
  assert.equal(await input.getAttribute('aria-activedescendant'), 'search-option-0');
  assert.equal(await first.getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForURL(/practices\/xuzhou\/\?highlight=/);
  const mark = page.locator('main mark.search-hit').first();
  await mark.waitFor();
  assert.equal(await mark.innerText(), '伏羊');
  assert.ok(await mark.isVisible());
  await page.screenshot({ path: join(shots, 'search-highlight-zh.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Escape closes the results, and an English query finds its stems', async () => {
  const { page, errors } = await open(base + 'en/');
  await typeInBox(page, 'standardizing');
  const text = await page.locator('#search-listbox').innerText();
  assert.match(text, /standardization/i, 'standardizing finds standardization');
  const html = await page.locator('#search-listbox').innerHTML();
  assert.match(html, /<mark>standardization<\/mark>/i);
  await page.screenshot({ path: join(shots, 'search-box-en.png') });
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#search-input').getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('.search-popup').isVisible(), false);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the search page: a shareable URL, facets with counts, and the back button', async () => {
  const { page, errors } = await open(base + 'search/?q=' + encodeURIComponent('标准化'));
  await page.locator('#search-page-results li').first().waitFor();
  assert.equal(await page.locator('#search-page-input').inputValue(), '标准化');
  const total = Number((await page.locator('#search-page-status').innerText()).match(/\d+/)[0]);
  assert.ok(total >= 5, `results: ${total}`);
  const results = await page.locator('#search-page-results li').allInnerTexts();
  // Chinese pages first for a Chinese reader.
  assert.ok(!/[A-Za-z]{12}/.test(results[0].split('\n')[0]), results[0]);
  const language = page.locator('#search-facets button', { hasText: 'English' });
  assert.match(await language.innerText(), /English\s+\d+/);
  await page.screenshot({ path: join(shots, 'search-page-zh.png'), fullPage: true });

  // Choose a facet: only the English pages are left, and the URL says so.
  await language.click();
  await page.waitForURL(/lang=en/);
  await page.waitForFunction(() => document.querySelector('#search-facets button[aria-pressed="true"]'));
  const english = await page.locator('#search-page-results li').allInnerTexts();
  assert.ok(english.length > 0 && english.every((r) => /[A-Za-z]/.test(r)), english.join('|'));
  await page.screenshot({ path: join(shots, 'search-page-facet.png'), fullPage: true });

  await page.goBack();
  await page.waitForURL((u) => !u.search.includes('lang=en'));
  await page.waitForFunction(() => !document.querySelector('#search-facets button[aria-pressed="true"]'));
  assert.equal(await page.locator('#search-page-input').inputValue(), '标准化');

  // A facet with an empty query lists every page in it, newest first.
  await page.goto(base + 'search/');
  await page.locator('#search-facets button', { hasText: '2023' }).first().click();
  await page.waitForURL(/year=2023/);
  await page.locator('#search-page-results li').first().waitFor();
  const dates = await page.locator('#search-page-results .search-result-meta').allInnerTexts();
  assert.ok(dates.length > 0 && dates.every((d) => d.includes('2023')), dates.join('|'));

  // Following a result highlights the query on the page.
  await page.goto(base + 'search/?q=' + encodeURIComponent('淮海码'));
  await page.locator('#search-page-results li a').first().click();
  await page.waitForURL(/highlight=/);
  await page.locator('main mark.search-hit').first().waitFor();
  assert.equal(await page.locator('main mark.search-hit').first().innerText(), '淮海码');
  assert.deepEqual(errors, []);
  await page.close();
});

test('search works from disk (file://), on the page and in the box', async () => {
  const { page, errors } = await open(pathToFileURL(join(example, 'index.html')).href);
  await typeInBox(page, '伏羊');
  assert.match(await page.locator('#search-listbox').innerHTML(), /<mark>伏羊<\/mark>/);
  await page.screenshot({ path: join(shots, 'search-file.png') });
  await page.locator('#search-listbox [role=option]').first().click();
  await page.waitForURL(/practices\/xuzhou\/index\.html\?highlight=/);
  await page.locator('main mark.search-hit').first().waitFor();

  await page.goto(pathToFileURL(join(example, 'en/search/index.html')).href + '?q=cold%20chain');
  await page.locator('#search-page-results li').first().waitFor();
  assert.match(await page.locator('#search-page-results').innerHTML(), /<mark>chain<\/mark>/i);
  const href = await page.locator('#search-page-results li a').first().getAttribute('href');
  assert.match(href, /index\.html\?highlight=/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('on a phone the box and the results fit the screen', async () => {
  const { page } = await open(base + 'search/?q=' + encodeURIComponent('徐州'), 375);
  await page.locator('#search-page-results li').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `overflows by ${overflow}px`);
  await page.screenshot({ path: join(shots, 'search-page-phone.png'), fullPage: true });
  await typeInBox(page, '徐州');
  await page.screenshot({ path: join(shots, 'search-box-phone.png') });
  await page.close();
});
