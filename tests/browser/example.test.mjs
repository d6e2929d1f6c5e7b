// The second example, examples/association: its home page, a case study and a guide at phone and
// desktop widths, in both languages. Screenshots go to screenshots/association-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildAndServe, closeAll, open as openPage, repo, shots } from './common.mjs';

let site;

before(async () => {
  site = await buildAndServe(join(repo, 'examples/association'));
});

after(() => closeAll(site));

const pages = [
  ['', 'home-en', 'Harbour Logistics Association'],
  ['zh/', 'home-zh', '港口物流协会'],
  ['cases/shared-pallet-pool/', 'case-en', 'Eastgate Storage'],
  ['zh/cases/night-reefer-checks/', 'case-zh', '北码头冷库'],
  ['guides/publishing/', 'guides-en', 'Writing a case study'],
];

for (const [name, width] of [['phone', 375], ['desktop', 1280]]) {
  test(`the association's pages read well on a ${name}`, async () => {
    for (const [path, shot, text] of pages) {
      const { page, errors } = await openPage(site.browser, site.base + path, width);
      const main = await page.locator('main').innerText();
      assert.ok(main.includes(text), `${path}: ${text}`);
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      assert.ok(fits, `${path}: no sideways scrolling`);
      await page.screenshot({ path: join(shots, `association-${shot}-${name}.png`), fullPage: true });
      assert.deepEqual(errors, [], path);
      await page.close();
    }
  });
}
