/** The one app loader: the same rules for the server (AppManager), the review and the DSM importer. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { appDefinitionOf, appEntry, AppLoadError, availableApps, flowsOf, importApp, DEFAULT_APPS_DIR } from '../../src/app/index.js';
import { AppManager } from '../../src/server/app-manager.js';
import { loadAppFlows } from '../../src/review/load-app.js';

const serverApps = fileURLToPath(new URL('../server/fixtures/apps', import.meta.url));
const reviewApps = fileURLToPath(new URL('../review/fixtures/apps', import.meta.url));
const tmpRoot = fileURLToPath(new URL('./.test-tmp', import.meta.url));
mkdirSync(tmpRoot, { recursive: true });
after(() => rmSync(tmpRoot, { recursive: true, force: true }));

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppLoadError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

test('an unknown app, or a name that is not a folder name, is APP_NOT_FOUND listing the apps there', async () => {
  await rejectsWith(
    importApp('nope', { appsDir: serverApps }),
    'APP_NOT_FOUND',
    /no app 'nope' in .*fixtures\/apps \(apps: dtmf-out-test, reload-test, rt-test\)/,
  );
  await rejectsWith(importApp('../review', { appsDir: serverApps }), 'APP_NOT_FOUND', /no app '\.\.\/review'/);
  assert.deepEqual(availableApps(serverApps), ['dtmf-out-test', 'reload-test', 'rt-test']);
  assert.ok(availableApps().includes('quizconnect'), `the default apps folder is the repository's: ${DEFAULT_APPS_DIR}`);
});

test("the entry: exports['.'] (a string or conditions: import, then default), else main, else src/index.ts", () => {
  const dir = mkdtempSync(join(tmpRoot, 'entry-'));
  const write = (pkg: object) => writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  write({ exports: './lib/a.ts' });
  assert.equal(appEntry(dir), join(dir, 'lib/a.ts'));
  write({ exports: { '.': { 'sipflow-compiled': './dist/index.js', default: './src/main.ts' } } });
  assert.equal(appEntry(dir), join(dir, 'src/main.ts'), 'under tsx the source, not the compiled output');
  write({ exports: { '.': { import: './src/esm.ts', default: './src/main.ts' } } });
  assert.equal(appEntry(dir), join(dir, 'src/esm.ts'));
  write({ main: './m.ts' });
  assert.equal(appEntry(dir), join(dir, 'm.ts'));
  write({});
  assert.equal(appEntry(dir), join(dir, 'src/index.ts'));
});

test('a module without defineApp() is not an app for the server (APP_INVALID) but its flows still review', async () => {
  const pingpong = await importApp('pingpong', { appsDir: reviewApps });
  assert.throws(
    () => appDefinitionOf(pingpong),
    (err: unknown) => err instanceof AppLoadError && err.code === 'APP_INVALID' && /defineApp/.test(err.message),
  );
  assert.deepEqual(Object.keys(flowsOf(pingpong)).sort(), ['pinger', 'ponger']);
});

test('server and review load one app the same way: same folder, same entry, same flows', async () => {
  const apps = new AppManager({ appsDir: serverApps, logger: pino({ level: 'silent' }) });
  await apps.loadAll(['reload-test']);
  try {
    const served = apps.current('reload-test')!;
    const reviewed = await loadAppFlows('reload-test', serverApps);
    assert.equal(reviewed.dir, served.dir);
    assert.equal(reviewed.entry, appEntry(served.dir));
    assert.deepEqual(Object.keys(reviewed.flows).sort(), Object.keys(served.definition.flows).sort());
    assert.ok(reviewed.configSchema, 'the review sees the config schema the server validates with');
  } finally {
    await apps.close();
  }
});
