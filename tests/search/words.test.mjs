// The client's tokenizer and stemmer against the indexer's over every word of an English word
// list, Debian's wamerican (scripts/test installs it): the Rust side is
// examples/search_terms.rs, which cargo builds and runs (in release, as scripts/test has just
// built the rest), so that the two are compared as they are now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import vm from 'node:vm';

const repo = resolve(import.meta.dirname, '../..');
const WORDS = '/usr/share/dict/american-english';

const context = vm.createContext({});
context.window = context;
vm.runInContext(readFileSync(join(repo, 'themes/default/static/search.js'), 'utf8'), context);
const S = context.__casebookSearch;

/** The client's tokens of `text` in the fields the indexer prints, each joined into a string. */
function client(text) {
  const tokens = S.tokenize(text);
  return {
    terms: tokens.map((t) => t.t).join(' '),
    positions: tokens.map((t) => t.p).join(' '),
    stop: tokens.flatMap((t, i) => (t.stop ? [i] : [])).join(' '),
    index: S.tokenize(text, true).map((t) => t.t).join(' '),
  };
}

test('every word of an English word list gives the same terms on both sides', () => {
  if (!existsSync(WORDS)) {
    throw new Error(`${WORDS} is missing: apt-get install wamerican (scripts/test installs it)`);
  }
  const list = readFileSync(WORDS, 'utf8');
  const words = list.split('\n');
  if (words[words.length - 1] === '') words.pop();
  assert.ok(words.length > 50000, `${WORDS} has ${words.length} words`);

  const out = execFileSync(process.env.CARGO ?? 'cargo', ['run', '--quiet', '--locked', '--release', '--example', 'search_terms'], {
    cwd: repo,
    input: list,
    maxBuffer: 1 << 28,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = out.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  assert.equal(lines.length, words.length, 'one line of terms for each word');

  const differ = [];
  words.forEach((word, i) => {
    const rust = JSON.parse(lines[i]), js = client(word);
    for (const key of ['terms', 'positions', 'stop', 'index']) {
      if (rust[key].join(' ') !== js[key]) differ.push(`${JSON.stringify(word)} ${key}: Rust ${rust[key].join(' ')}, client ${js[key]}`);
    }
  });
  assert.deepEqual(differ.slice(0, 20), [], `${differ.length} differences in ${words.length} words`);
});
