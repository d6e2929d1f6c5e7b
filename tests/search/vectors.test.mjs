// The client's tokenizer, stemmer, hash and number encoding against the vectors the Rust
// indexer passes too (tests/search.rs): indexing and querying must agree term for term.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import vm from 'node:vm';

const repo = resolve(import.meta.dirname, '../..');
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors.json'), 'utf8'));
const context = vm.createContext({});
context.window = context;
vm.runInContext(readFileSync(join(repo, 'themes/default/static/search.js'), 'utf8'), context);
const S = context.__casebookSearch;
/** Data from the sandbox, as plain data of this realm. */
const plain = (x) => JSON.parse(JSON.stringify(x));

test('tokens, positions and stop words agree with the indexer', () => {
  for (const c of vectors.tokenize) {
    const tokens = plain(S.tokenize(c.text));
    assert.deepEqual(tokens.map((t) => t.t), c.terms, `terms of ${JSON.stringify(c.text)}`);
    assert.deepEqual(tokens.map((t) => t.p), c.positions, `positions of ${JSON.stringify(c.text)}`);
    assert.deepEqual(tokens.flatMap((t, i) => (t.stop ? [i] : [])), c.stop, `stop words of ${JSON.stringify(c.text)}`);
    assert.deepEqual(plain(S.tokenize(c.text, true)).map((t) => t.t), c.index, `index terms of ${JSON.stringify(c.text)}`);
  }
});

test('token offsets point at the text they came from', () => {
  const text = 'Ｚａｂｂｉｘ监控 China\u2019s standards';
  const spans = plain(S.tokenize(text)).map((t) => text.slice(t.s, t.e));
  assert.deepEqual(spans, ['Ｚａｂｂｉｘ', '监控', 'China\u2019s', 'standards']);
});

test('the stemmer is Porter\'s, as in Rust', () => {
  for (const [word, stem] of vectors.stem) assert.equal(S.stem(word), stem, word);
});

test('terms hash to the same shard', () => {
  for (const [term, hash] of vectors.fnv) assert.equal(S.fnv(term), hash, term);
});
