#!/usr/bin/env node
// Runs the typecheck, then every *.test.ts with node's test runner (through tsx).
// `--unit` skips the end-to-end suites (files under test/e2e/ and *.e2e.test.ts); `--list` prints the files each
// pass would run and runs nothing.
// Files run one at a time, by choice (--test-concurrency=1): node --test would otherwise run
// os.availableParallelism() - 1 files at once (1 on a 2-CPU machine, 7 on an 8-CPU one), so the suite would behave
// differently per machine. The e2e suites start real peers (sipp, baresip, Kamailio, MariaDB), measure RTP timing
// and media-clock lateness, and some hold a server under load; run side by side they starve each other of CPU and
// fail on timing, not on a bug. Tests inside a file run in order (node's default).
// The media engine runs on worker threads by default; after the whole suite, every file that says so on a line of its
// own, `// Media engine: both modes — <why>`, runs again with SIPFLOW_MEDIA_WORKERS=0 (media on the main thread), so
// both engines pass the same tests. SIPFLOW_MEDIA_WORKERS set by the caller picks one mode for a single pass.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts') && !name.endsWith('.types.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = ['packages', 'apps', 'test'].flatMap((d) => walk(join(root, d), []));
if (unitOnly) files = files.filter((f) => !f.startsWith('test/e2e/') && !f.endsWith('.e2e.test.ts'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();

// The second pass, media on the main thread: the files whose subject runs in the media engine ask for it, each on a
// line of its own, `// Media engine: both modes — <why>`; every other file runs once. A file may say why one pass is
// enough, `// Media engine: one pass only — <why>`; saying both is an error. (CI time: a file run twice costs 40-50 s.)
const bothModes = /^\/\/ Media engine: both modes — \S/m;
const onePassOnly = /^\/\/ Media engine: one pass only — \S/m;
const bothModeFiles = files.filter((f) => {
  const source = readFileSync(join(root, f), 'utf8');
  if (!bothModes.test(source)) return false;
  if (onePassOnly.test(source)) {
    console.error(`${f}: says both 'Media engine: both modes' and 'Media engine: one pass only'`);
    process.exit(1);
  }
  return true;
});
// SIPFLOW_MEDIA_WORKERS set by the caller: one pass in that mode.
const again = process.env.SIPFLOW_MEDIA_WORKERS === undefined ? bothModeFiles : [];
if (process.argv.includes('--list')) {
  // What would run, without running it: the first pass, then the second.
  console.log(files.join('\n'));
  console.log(`\n# again with media on the main thread (SIPFLOW_MEDIA_WORKERS=0): ${again.length} files`);
  console.log(again.join('\n'));
  process.exit(0);
}

if (!filters.length) {
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('typecheck failed');
    process.exit(1);
  }
  // The import graph: no import runs up the runtime's layers, none between packages out of order, no cycle.
  const imports = spawnSync(process.execPath, ['scripts/check-imports.mjs'], { cwd: root, stdio: 'inherit' });
  if (imports.status !== 0) process.exit(1);
  // Lint: typescript-eslint's recommended rules, and (once the repository is formatted) prettier's formatting.
  const lint = spawnSync(process.execPath, ['scripts/lint.mjs'], { cwd: root, stdio: 'inherit' });
  if (lint.status !== 0) process.exit(1);
}
// Flow review of every app, path checks included (CI fails on an unreachable state, an unhandled hangup, an unhandled
// leg message, an undeclared event, a failing path,
// or a committed docs/flows page that is stale).
if (!filters.length) {
  for (const app of readdirSync(join(root, 'apps'))) {
    if (!statSync(join(root, 'apps', app)).isDirectory()) continue;
    const review = spawnSync('npx', ['tsx', 'packages/runtime/src/review/cli.ts', app, '--check'], { cwd: root, stdio: 'inherit' });
    if (review.status !== 0) {
      console.error(`flow review of ${app} failed (regenerate with: npm run review -- ${app})`);
      process.exit(1);
    }
  }
}
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
function runFiles(list, env) {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=180000', ...list],
    { cwd: root, stdio: 'inherit', env: { ...process.env, SIPFLOW_TEST: '1', ...env } },
  );
  return res.status ?? 1;
}
const first = runFiles(files, {});
if (first !== 0 || !again.length) process.exit(first);
console.log(`\n# again with media on the main thread (SIPFLOW_MEDIA_WORKERS=0): ${again.length} files`);
process.exit(runFiles(again, { SIPFLOW_MEDIA_WORKERS: '0' }));
