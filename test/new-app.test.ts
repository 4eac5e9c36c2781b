/**
 * `npm run new -- <name>`: the app it writes compiles (strict), passes the flow review with its path checks, and its
 * own test passes — what `npm test` runs on every app. Written under .test-tmp/ (inside the repo, so the app
 * resolves @sipflow/runtime like one under apps/ does).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { reviewApp } from '../packages/runtime/src/review/index.js';

const REPO = new URL('..', import.meta.url).pathname;
const root = join(REPO, '.test-tmp', `new-app-${process.pid}`);
mkdirSync(root, { recursive: true });
after(() => rmSync(root, { recursive: true, force: true }));

const { NODE_TEST_CONTEXT: _inner, ...env } = process.env;
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, encoding: 'utf8', env });

test('npm run new -- demo-app: a flow, config, prompt, test, README and review page; it compiles, reviews clean and its test passes', () => {
  const apps = join(root, 'apps');
  const docs = join(root, 'docs');
  const made = run(['scripts/new-app.ts', 'demo-app', '--apps', apps, '--docs', docs]);
  assert.equal(made.status, 0, made.stderr);
  for (const f of [
    'package.json',
    'tsconfig.build.json',
    'src/index.ts',
    'src/config.ts',
    'src/prompts.ts',
    'src/main-flow.ts',
    'src/review-paths.ts',
    'test/main-flow.test.ts',
    'prompts/welcome.wav',
    'README.md',
  ])
    assert.ok(existsSync(join(apps, 'demo-app', f)), f);
  // The flow id is namespaced by the app, and so is its review page.
  assert.match(readFileSync(join(apps, 'demo-app/src/main-flow.ts'), 'utf8'), /id: 'demo_app_main'/);
  const page = readFileSync(join(docs, 'demo-app', 'demo_app_main.md'), 'utf8');
  assert.match(page, /## Paths\n\n\d+ paths of up to 10 events were played/);
  // A RIFF/WAVE prompt the media engine can read.
  assert.equal(readFileSync(join(apps, 'demo-app/prompts/welcome.wav')).subarray(8, 12).toString(), 'WAVE');

  // What npm test does with it: typecheck, review --check, its tests.
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.base.json', include: ['apps/*/src/**/*.ts', 'apps/*/test/**/*.ts'] }),
  );
  const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  // The scaffold's prompts are typed: a prompt the app does not have is a compile error at its line.
  const flowFile = join(apps, 'demo-app/src/main-flow.ts');
  const flowText = readFileSync(flowFile, 'utf8');
  writeFileSync(
    flowFile,
    flowText.replace("actions: hangup(), description: 'prompt played'", "actions: [play('welcom.wav'), hangup()], description: 'prompt played'"),
  );
  const typo = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { encoding: 'utf8' });
  writeFileSync(flowFile, flowText);
  assert.notEqual(typo.status, 0, 'a misspelt prompt compiled');
  const typoLine = flowText.split('\n').findIndex((l) => l.includes("description: 'prompt played'")) + 1;
  assert.match(typo.stdout, new RegExp(`main-flow\\.ts\\(${typoLine},\\d+\\): error TS2322`));
  assert.match(typo.stdout, /NoPromptNamed<"welcom\.wav">/);
  const review = run(['packages/runtime/src/review/cli.ts', 'demo-app', '--apps', apps, '--out', docs, '--check']);
  assert.equal(review.status, 0, review.stdout + review.stderr);
  assert.match(review.stdout, /review of demo-app: 1 flows, \d+ paths played, no findings/);
  const tests = run(['--test', '--test-reporter=tap', join(apps, 'demo-app/test/main-flow.test.ts')]);
  assert.equal(tests.status, 0, tests.stdout + tests.stderr);
  assert.match(tests.stdout, /# pass 2/);
});

test('npm run new refuses a bad name and an existing app (exit 2, a clear message)', () => {
  const apps = join(root, 'apps2');
  const bad = run(['scripts/new-app.ts', 'Demo_App', '--apps', apps, '--docs', join(root, 'docs2')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /'Demo_App' is not a valid app name/);
  mkdirSync(join(apps, 'taken'), { recursive: true });
  const taken = run(['scripts/new-app.ts', 'taken', '--apps', apps, '--docs', join(root, 'docs2')]);
  assert.equal(taken.status, 2);
  assert.match(taken.stderr, /exists already/);
});

test('two apps never collide: each app has its own review folder', async () => {
  const apps = join(root, 'apps3');
  const docs = join(root, 'docs3');
  for (const name of ['one', 'two']) assert.equal(run(['scripts/new-app.ts', name, '--apps', apps, '--docs', docs]).status, 0);
  const one = await reviewApp('one', { appsDir: apps, outDir: docs, check: true, skipTypes: true });
  const two = await reviewApp('two', { appsDir: apps, outDir: docs, check: true, skipTypes: true });
  assert.deepEqual([...one.stale, ...two.stale], []);
  assert.ok(existsSync(join(docs, 'one', 'one_main.md')) && existsSync(join(docs, 'two', 'two_main.md')));
});
