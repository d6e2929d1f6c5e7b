// A documentation collection of nested folders (tests/fixtures/hugo-docs): a reader goes down
// through each folder's list and back up by the breadcrumbs, on a phone and a desktop.
// Screenshots go to screenshots/section-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildAndServe, closeAll, open as openPage, repo, shots } from './common.mjs';

let site;

before(async () => {
  site = await buildAndServe(join(repo, 'tests/fixtures/hugo-docs'));
});

after(() => closeAll(site));

for (const [name, width] of [['phone', 375], ['desktop', 1280]]) {
  test(`folders are lists a reader goes down and back up (${name})`, async () => {
    const { page, errors } = await openPage(site.browser, `${site.base}docs/`, width);
    await page.locator('.subsections a', { hasText: 'Guides' }).click();
    await page.waitForURL(/docs\/guides\/$/);
    await page.locator('.subsections a', { hasText: 'Setup' }).click();
    await page.waitForURL(/docs\/guides\/setup\/$/);
    assert.equal(await page.locator('main .card').count(), 2);
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'no sideways scrolling');
    await page.screenshot({ path: join(shots, `section-${name}.png`), fullPage: true });
    await page.locator('main .card a', { hasText: 'Installing Relay' }).first().click();
    await page.waitForURL(/setup\/install\/$/);
    const crumbs = await page.locator('.breadcrumb a').allTextContents();
    assert.deepEqual(crumbs.map((c) => c.trim()), ['Home', 'Relay documentation', 'Guides', 'Setup']);
    await page.locator('.breadcrumb a', { hasText: 'Guides' }).click();
    await page.waitForURL(/docs\/guides\/$/);
    assert.deepEqual(errors, []);
    await page.close();
  });
}
