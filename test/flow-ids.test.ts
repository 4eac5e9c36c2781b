/**
 * Flow ids are unique across apps: an app whose flow has the id of another app's flow (an app started by copying
 * another) is refused by the server at load and at reload, and reported by the review, naming both apps.
 * The apps are scaffolded by `npm run new` under .test-tmp/ (inside the repo, so they resolve @sipflow/runtime).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { reviewApp } from '../packages/runtime/src/review/index.js';
import { AppManager } from '../packages/runtime/src/server/app-manager.js';

const REPO = new URL('..', import.meta.url).pathname;
const root = join(REPO, '.test-tmp', `flow-ids-${process.pid}`);
mkdirSync(root, { recursive: true });
after(() => rmSync(root, { recursive: true, force: true }));
const { NODE_TEST_CONTEXT: _inner, ...env } = process.env;
const logger = pino({ level: 'silent' });

/** apps/one and apps/two (flows one_main and two_main) in a fresh folder. */
function twoApps(tag: string): string {
  const apps = join(root, tag, 'apps');
  for (const name of ['one', 'two']) {
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/new-app.ts', name, '--apps', apps, '--docs', join(root, tag, 'docs')], {
      cwd: REPO,
      encoding: 'utf8',
      env,
    });
    assert.equal(made.status, 0, made.stderr);
  }
  return apps;
}

/** Give app two's flow the id of app one's flow (as a copy of app one would have it). */
function copyOneIntoTwo(apps: string): void {
  for (const file of ['src/main-flow.ts', 'src/index.ts']) {
    const p = join(apps, 'two', file);
    writeFileSync(p, readFileSync(p, 'utf8').replaceAll('two_main', 'one_main'));
  }
}

test('the server refuses to load an app whose flow id another loaded app uses; each alone loads', async () => {
  const apps = twoApps('load');
  copyOneIntoTwo(apps);
  const both = new AppManager({ appsDir: apps, logger });
  await assert.rejects(both.loadAll(['one', 'two']), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'APP_CONFLICT');
    assert.match(err.message, /app 'two': flow 'one_main' has the id 'one_main', which app 'one' already uses; flow ids are unique across apps/);
    return true;
  });
  for (const name of ['one', 'two']) {
    const alone = new AppManager({ appsDir: apps, logger });
    await alone.loadAll([name]);
    assert.deepEqual(Object.keys(alone.current(name)!.definition.flows), ['one_main']);
    await alone.close();
  }
});

test('a reload that takes another app’s flow id is refused and the previous version keeps serving', async () => {
  const apps = twoApps('reload');
  const manager = new AppManager({ appsDir: apps, logger });
  await manager.loadAll(['one', 'two']);
  copyOneIntoTwo(apps);
  const result = await manager.reload('two');
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.code === 'APP_CONFLICT' && /which app 'one' already uses/.test(result.message), JSON.stringify(result));
  assert.equal(manager.current('two')!.version, 1);
  assert.deepEqual(Object.keys(manager.current('two')!.definition.flows), ['two_main']);
  await manager.close();
});

test('the review reports an app whose flow id another app of the folder uses (rule duplicate-flow-id, exit 1)', async () => {
  const apps = twoApps('review');
  const docs = join(root, 'review', 'docs');
  const cliReview = (app: string) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'packages/runtime/src/review/cli.ts', app, '--apps', apps, '--out', docs, '--skip-types', '--skip-paths'],
      { cwd: REPO, encoding: 'utf8', env },
    );
  // Its own process (this one would cache the apps' modules before the edit).
  const clean = cliReview('two');
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  copyOneIntoTwo(apps);
  const { review } = await reviewApp('two', { appsDir: apps, outDir: docs, check: true, skipTypes: true, skipPaths: true });
  assert.equal(review.ok, false);
  assert.deepEqual(
    review.findings.map((f) => [f.rule, f.flow]),
    [['duplicate-flow-id', 'one_main']],
  );
  assert.match(
    review.findings[0]!.message,
    /app 'two': flow 'one_main' has the id 'one_main', which app 'one' already uses; flow ids are unique across apps/,
  );
  const cli = cliReview('one');
  assert.equal(cli.status, 1, cli.stdout + cli.stderr);
  assert.match(cli.stderr, /one_main: duplicate-flow-id: app 'one': flow 'one_main' has the id 'one_main', which app 'two' already uses/);
});
