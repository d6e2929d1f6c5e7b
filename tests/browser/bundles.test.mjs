// Content laid out as in a Hugo site (tests/fixtures/hugo-blog): a page bundle's images load
// beside their page, on the page itself, in the other language and on the print page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildAndServe, closeAll, open as openPage, repo, shots } from './common.mjs';

let site, browser, base;

before(async () => {
  site = await buildAndServe(join(repo, 'tests/fixtures/hugo-blog'));
  ({ browser, base } = site);
});

after(() => closeAll(site));

/** The images of `url`'s main content that did not load, after scrolling them all into view
 * (they load lazily). */
async function brokenImages(url, name, width) {
  const { page, errors } = await openPage(browser, url, width);
  const images = page.locator('main img');
  const count = await images.count();
  for (let i = 0; i < count; i++) await images.nth(i).scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll('main img')].every((img) => img.complete));
  const broken = await page.evaluate(() => [...document.querySelectorAll('main img')]
    .filter((img) => img.naturalWidth === 0).map((img) => img.getAttribute('src')));
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  await page.close();
  return { count, broken, errors };
}

test('a bundle page shows the images beside it, in both languages and on the print page', async () => {
  for (const [path, name, width] of [
    ['posts/seville-rollout/', 'bundle-zh-phone', 375],
    ['en/posts/seville-rollout/', 'bundle-en-desktop', 1280],
    ['print/', 'bundle-print-desktop', 1280],
  ]) {
    const { count, broken, errors } = await brokenImages(base + path, name, width);
    assert.ok(count >= 1, `${path} shows its images`);
    assert.deepEqual(broken, [], `${path}: images that did not load`);
    assert.deepEqual(errors, [], `${path}: failed requests`);
  }
});
