// The search client (the browser's code, run in Node by scripts/search.mjs) over the index of a
// fixture site built by casebook: set CASEBOOK_BIN to the binary (default target/release, then
// target/debug).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { client, query } from '../../scripts/search.mjs';

const repo = resolve(import.meta.dirname, '../..');
const binary = process.env.CASEBOOK_BIN ?? [join(repo, 'target/release/casebook'), join(repo, 'target/debug/casebook')].find(existsSync);
let publicDir;

before(() => {
  if (!binary || !existsSync(binary)) throw new Error('casebook is not built: run "cargo build" or set CASEBOOK_BIN');
  publicDir = join(mkdtempSync(join(tmpdir(), 'casebook-search-')), 'public');
  execFileSync(binary, ['build', '--root', join(repo, 'tests/fixtures/search'), '--output', publicDir], { stdio: 'pipe' });
});

async function urls(q, opts) {
  const { search } = client(publicDir);
  return (await query(search, q, opts)).results.map((r) => r.url);
}

test('a Chinese word inside a sentence finds its page', async () => {
  // 政务 occurs in the title of one practice and only inside a sentence of another.
  const found = await urls('政务');
  assert.equal(found[0], 'practices/government/', 'in the title first');
  assert.ok(found.includes('practices/counties/'), 'inside 县域商业是政务服务标准化之外');
  assert.ok(found.includes('practices/monitoring/'), 'inside 政务部门可以查看');
  assert.deepEqual(await urls('数字化转型'), ['practices/government/']);
  assert.deepEqual(await urls('温度和湿度'), ['practices/monitoring/']);
});

test('one character finds every page that has it', async () => {
  assert.deepEqual(await urls('湿'), ['practices/monitoring/']);
  assert.deepEqual(await urls('茶'), []);
});

test('a practice\'s title finds it first', async () => {
  assert.equal((await urls('政务服务标准化'))[0], 'practices/government/');
  assert.equal((await urls('县域商业体系建设'))[0], 'practices/counties/');
});

test('English words match their stems, and stop words never empty a query', async () => {
  assert.deepEqual(await urls('standardizing', { lang: 'en' }), ['en/practices/government/']);
  assert.deepEqual(await urls('Standardization', { lang: 'en' }), ['en/practices/government/']);
  assert.deepEqual(await urls('monitor', { lang: 'en' }), ['en/practices/monitoring/']);
  assert.deepEqual(await urls('the monitoring of warehouses', { lang: 'en' }), ['en/practices/monitoring/']);
  assert.ok((await urls('the', { lang: 'en' })).length > 0, 'a query of stop words alone still finds pages');
});

test('mixed Chinese and English, codes and full-width forms', async () => {
  assert.deepEqual(await urls('Zabbix 监控'), ['practices/monitoring/']);
  assert.deepEqual(await urls('zabbix', { lang: 'en' }), ['en/practices/monitoring/', 'practices/monitoring/']);
  assert.deepEqual(await urls('GB/T 31526-2015'), ['practices/government/', 'en/practices/government/']);
  assert.deepEqual(await urls('ＧＢ／Ｔ　３１５２６－２０１５'), ['practices/government/', 'en/practices/government/']);
  assert.deepEqual(await urls('ISO 9001', { lang: 'en' }), ['en/practices/monitoring/', 'practices/monitoring/']);
});

test('a word after an elided article is found as itself', async () => {
  // The body has "l’entrepôt" and "dell'impianto".
  assert.deepEqual(await urls('entrepôt', { lang: 'en' }), ['en/practices/monitoring/']);
  assert.deepEqual(await urls("l'entrepot", { lang: 'en' }), ['en/practices/monitoring/']);
  assert.deepEqual(await urls('impianto', { lang: 'en' }), ['en/practices/monitoring/']);
  const { search } = client(publicDir);
  const [found] = (await query(search, 'entrepôt frigorifique', { lang: 'en' })).results;
  assert.match(found.snippet, /l’<mark>entrepôt<\/mark> <mark>frigorifique<\/mark>/);
});

test('results in the reader\'s language come first, and a filter keeps one language', async () => {
  assert.deepEqual(await urls('ISO 9001', { lang: 'zh' }), ['practices/monitoring/', 'en/practices/monitoring/']);
  assert.deepEqual(await urls('ISO 9001', { lang: 'zh', only: 'en' }), ['en/practices/monitoring/']);
});

test('snippets highlight the matched words', async () => {
  const { search } = client(publicDir);
  const [zh] = (await query(search, '政务')).results;
  assert.match(zh.snippet, /推动<mark>政务<\/mark>数字化/);
  const body = (await query(search, '温度和湿度')).results[0];
  assert.match(body.snippet, /<mark>温度和湿度<\/mark>/);
  const en = (await query(search, 'standardizing', { lang: 'en' })).results[0];
  assert.match(en.snippet, /<mark>standardizing<\/mark>.*<mark>standardization<\/mark>/);
});

test('facets count the current query and filter it', async () => {
  const { search } = client(publicDir);
  const all = await query(search, '数字化', { counts: true });
  // aspect: logistics (government), green (monitoring); both Chinese.
  assert.deepEqual(all.results.map((r) => r.url), ['practices/government/', 'practices/monitoring/']);
  assert.deepEqual(all.counts[0], { 0: 1, 1: 1 });
  assert.deepEqual(all.counts.lang, { zh: 2 });
  const green = await query(search, '数字化', { facets: { aspect: 'green' }, counts: true });
  assert.deepEqual(green.results.map((r) => r.url), ['practices/monitoring/']);
  // A facet's own counts ignore its own choice, so the reader can switch.
  assert.deepEqual(green.counts[0], { 0: 1, 1: 1 });
});

test('an empty query with a facet lists every page in it, newest first', async () => {
  assert.deepEqual(await urls('', { facets: { aspect: 'logistics' } }), ['practices/counties/', 'practices/government/', 'en/practices/government/']);
  assert.deepEqual(await urls('', { facets: { year: '2021' }, lang: 'en' }), ['en/practices/monitoring/', 'practices/monitoring/']);
  assert.deepEqual(await urls(''), []);
  assert.deepEqual(await urls('   ,,, '), []);
});

test('a query loads only the shards of its terms', async () => {
  const { search, files } = client(publicDir);
  await search.query('政务', { lang: 'zh', size: 1 });
  const shards = files.filter((f) => f.name.startsWith('s/'));
  assert.equal(shards.length, 1);
  assert.equal(shards[0].name, `s/${search.fnv('政务') % (await search.load('meta')).k}`);
  assert.deepEqual(files.filter((f) => f.name.startsWith('d/')).length, 1, 'one document for one result shown');
  assert.ok(!files.some((f) => f.name.startsWith('f/')), 'no facets unless counted');
});

test('a word still being typed is completed from the index\'s words', async () => {
  assert.deepEqual(await urls('standar', { lang: 'en' }), ['en/practices/government/']);
  assert.deepEqual(await urls('standardi', { lang: 'en' }), ['en/practices/government/'], 'standardi is standard and one letter');
  assert.deepEqual(await urls('cold chai', { lang: 'en' }), ['en/practices/monitoring/']);
  const { search, files } = client(publicDir);
  await search.query('standardization', { lang: 'en', size: 1 });
  assert.ok(!files.some((f) => f.name.startsWith('p/')), 'a whole word needs no completion');
});
