// A right-to-left language: the blog fixture with Arabic added. Its pages mirror the layout (the
// contents box's rule and the logo on the right), while a left-to-right page keeps them on the
// left. Screenshots go to screenshots/rtl-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAndServe, closeAll, open as openPage, repo, shots } from './common.mjs';

let site;

before(async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'casebook-rtl-')), 'site');
  cpSync(join(repo, 'tests/fixtures/blog'), root, { recursive: true });
  const config = join(root, 'site.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('  - code: zh\n', '  - code: ar\n    name: العربية\n  - code: zh\n'));
  const post = readFileSync(join(root, 'content/posts/retail-pilot.en.md'), 'utf8');
  writeFileSync(join(root, 'content/posts/retail-pilot.ar.md'), post.replace(/^title: .*$/m, 'title: تجربة سلسلة متاجر'));
  site = await buildAndServe(root);
});

after(() => closeAll(site));

/** Where the contents box draws its rule and where the logo sits, on the page at `path`. */
async function layout(path, shot) {
  const { page, errors } = await openPage(site.browser, site.base + path, 1280);
  const found = await page.evaluate(() => {
    const toc = getComputedStyle(document.querySelector('.toc'));
    const mark = document.querySelector('.site-mark').getBoundingClientRect();
    return {
      dir: document.documentElement.dir,
      ruleOnLeft: toc.borderLeftWidth === '4px',
      ruleOnRight: toc.borderRightWidth === '4px',
      logoOnRight: mark.left > window.innerWidth / 2,
    };
  });
  await page.screenshot({ path: join(shots, `rtl-${shot}.png`), fullPage: true });
  assert.deepEqual(errors, [], path);
  await page.close();
  return found;
}

test('a right-to-left page mirrors the layout, a left-to-right one does not', async () => {
  assert.deepEqual(await layout('ar/posts/retail-pilot/', 'ar'), { dir: 'rtl', ruleOnLeft: false, ruleOnRight: true, logoOnRight: true });
  assert.deepEqual(await layout('posts/retail-pilot/', 'en'), { dir: '', ruleOnLeft: true, ruleOnRight: false, logoOnRight: false });
});
