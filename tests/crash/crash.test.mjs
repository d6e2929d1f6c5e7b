// Crash consistency: a casebook of 1,500 practices is edited and rebuilt while `casebook build`
// is killed with SIGKILL at 20 moments (seeded, so a failure can be replayed). Right after each
// kill `casebook verify` must find the output whole, one build or the other and never a mix of
// two; the next build must succeed on its own and verify too; and nothing may be left beside the
// output but the previous build's folder. Run by scripts/test,
// which builds the release binary and the corpus generator first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
const binary = process.env.CASEBOOK_BIN ?? join(repo, 'target/release/casebook');
const corpus = join(resolve(binary, '..'), 'examples/corpus');
for (const [path, how] of [[binary, 'cargo build --release'], [corpus, 'cargo build --release --example corpus']]) {
  if (!existsSync(path)) throw new Error(`${path} is missing: run "${how}" (scripts/test does this)`);
}

/** xorshift32: the same moments on every run for one seed. */
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}


function build(root) {
  const result = spawnSync(binary, ['build', '--root', root, '--quiet'], { encoding: 'utf8' });
  assert.equal(result.status, 0, `build failed:\n${result.stdout}${result.stderr}`);
}

/** Starts a build and kills it after `ms` milliseconds (or lets it finish first). */
function buildKilledAfter(root, ms) {
  return new Promise((done) => {
    const child = spawn(binary, ['build', '--root', root, '--quiet'], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => { clearTimeout(timer); done(signal ?? code); });
  });
}

test('a build killed at any moment is followed by one that succeeds and verifies', { timeout: 120_000 }, async () => {
  const root = join(mkdtempSync(join(tmpdir(), 'casebook-crash-')), 'site');
  spawnSync(corpus, ['1500', root], { stdio: 'ignore' });
  const practices = join(root, 'content/practices');
  const files = readdirSync(practices).filter((f) => f.endsWith('.md')).sort();
  assert.ok(files.length >= 1500, `the corpus has ${files.length} files`);
  build(root);
  const publicDir = join(root, 'public');
  // The site's title is on every page: a rebuild that changes it rewrites every file, so that
  // kills fall while files are written as well as while pages are rendered.
  const settings = join(root, 'site.yaml');
  const original = readFileSync(settings, 'utf8');
  const retitle = (n) => writeFileSync(settings, original.replace(/^(title:\n  zh: .*)$/m, `$1 ${n}`));
  // How long a rebuild after such an edit takes, so that kills fall during one.
  const started = Date.now();
  writeFileSync(join(practices, files[0]), readFileSync(join(practices, files[0]), 'utf8') + '\nEdited once.\n');
  retitle('once');
  build(root);
  const duration = Math.max(Date.now() - started, 50);

  const next = random(20260117);
  const signals = [];
  for (let round = 0; round < 20; round++) {
    // Edit two bodies, add a practice and remove another: files to write, rewrite and delete.
    retitle(round);
    for (let k = 0; k < 2; k++) {
      const file = join(practices, files[Math.floor(next() * files.length)]);
      writeFileSync(file, readFileSync(file, 'utf8') + `\nRound ${round}, edit ${k}.\n`);
    }
    const added = join(practices, `added-${round}.zh.md`);
    writeFileSync(added, readFileSync(join(practices, files[1]), 'utf8').replace(/^title: .*$/m, `title: 新增 ${round}`));
    if (round > 0) rmSync(join(practices, `added-${round - 1}.zh.md`));
    // Within the measured time: a round's build takes about as long, sometimes less.
    signals.push(await buildKilledAfter(root, Math.floor(duration * (0.1 + 0.8 * next()))));
    const seen = spawnSync(binary, ['verify', publicDir], { encoding: 'utf8' });
    assert.equal(seen.status, 0, `round ${round}: killed, the build left a mix in public/:\n${seen.stdout}${seen.stderr}`);

    build(root);
    const verify = spawnSync(binary, ['verify', publicDir], { encoding: 'utf8' });
    assert.equal(verify.status, 0, `round ${round}: verify found differences:\n${verify.stdout}${verify.stderr}`);
    const leftovers = readdirSync(root).filter((name) => name.startsWith('.public.casebook-') && !name.endsWith('-lock') && !name.endsWith('-previous'));
    assert.deepEqual(leftovers, [], `round ${round}: leftovers beside the output`);
  }
  assert.ok(signals.filter((s) => s === 'SIGKILL').length >= 10, `most builds were killed: ${signals}`);
});
