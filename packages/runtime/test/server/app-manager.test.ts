/** Loading apps, their config, and live reload (new calls only; broken versions refused). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { AppManager } from '../../src/server/app-manager.js';
import { ServerError } from '../../src/server/errors.js';

const fixtures = fileURLToPath(new URL('./fixtures/apps', import.meta.url));
const logger = pino({ level: 'silent' });
const tmpRoot = fileURLToPath(new URL('./.test-tmp', import.meta.url));
mkdirSync(tmpRoot, { recursive: true });
const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A private copy of the reload-test app (the test edits its files). */
function copyApp(): string {
  const dir = mkdtempSync(join(tmpRoot, 'apps-'));
  made.push(dir);
  cpSync(join(fixtures, 'reload-test'), join(dir, 'reload-test'), { recursive: true });
  return dir;
}

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ServerError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

test('config: defaults apply; --set values are coerced by the schema; file sections per app', async () => {
  const apps = new AppManager({
    appsDir: fixtures,
    logger,
    config: { file: { label: 'from-file', 'reload-test': { ring_timeout: 5 } }, sets: [{ key: 'ring_timeout', value: '30' }] },
  });
  await apps.loadAll(['reload-test']);
  assert.deepEqual(apps.current('reload-test')!.config, { ring_timeout: 30, label: 'from-file' });
  await apps.close();
});

test("config: outbound_proxy is the runtime's key for every app (not passed to an app that does not declare it); checked", async () => {
  const apps = new AppManager({
    appsDir: fixtures,
    logger,
    config: { file: { 'reload-test': { outbound_proxy: 'sip:127.0.0.1:5070;lr' } } },
  });
  await apps.loadAll(['reload-test']);
  assert.equal(apps.current('reload-test')!.outboundProxy, 'sip:127.0.0.1:5070;lr');
  assert.deepEqual(apps.current('reload-test')!.config, { ring_timeout: 60, label: 'x' });
  await apps.close();
  const set = new AppManager({
    appsDir: fixtures,
    logger,
    config: { sets: [{ app: 'reload-test', key: 'outbound_proxy', value: 'sip:10.0.0.2:5060;lr' }] },
  });
  await set.loadAll(['reload-test']);
  assert.equal(set.current('reload-test')!.outboundProxy, 'sip:10.0.0.2:5060;lr');
  await set.close();
  const bad = new AppManager({ appsDir: fixtures, logger, config: { sets: [{ app: 'reload-test', key: 'outbound_proxy', value: 'sip:10.0.0.2' }] } });
  await rejects(bad.loadAll(['reload-test']), 'CONFIG_INVALID', /'outbound_proxy': .*strict router/);
});

test('config: a bad value names the key and lists the documented defaults', async () => {
  const apps = new AppManager({ appsDir: fixtures, logger, config: { sets: [{ key: 'ring_timeout', value: 'soon' }] } });
  await rejects(apps.loadAll(['reload-test']), 'CONFIG_INVALID', /'ring_timeout':[\s\S]*ring_timeout: Seconds\. Default 60\./);
});

test('config: a --set key no app declares, an unknown app and a module that is no app are refused clearly', async () => {
  await rejects(
    new AppManager({ appsDir: fixtures, logger, config: { sets: [{ key: 'ring_timout', value: '3' }] } }).loadAll(['reload-test']),
    'BAD_OPTION',
    /ring_timout/,
  );
  await rejects(new AppManager({ appsDir: fixtures, logger }).loadAll(['nope']), 'APP_NOT_FOUND', /no app 'nope'.*reload-test/);
  const dir = copyApp();
  writeFileSync(join(dir, 'reload-test', 'src', 'index.ts'), 'export const x = 1;\n');
  await rejects(new AppManager({ appsDir: dir, logger }).loadAll(['reload-test']), 'APP_INVALID', /defineApp/);
});

test('reload: new calls get the new code (the app files are loaded afresh), calls in progress keep theirs', async () => {
  const dir = copyApp();
  const apps = new AppManager({ appsDir: dir, logger });
  await apps.loadAll(['reload-test']);
  const v1 = apps.route('any')!.app;
  assert.equal(v1.version, 1);
  apps.acquire(v1); // a call in progress on v1

  const greetingFile = join(dir, 'reload-test', 'src', 'greeting.ts');
  writeFileSync(greetingFile, readFileSync(greetingFile, 'utf8').replace('v1.wav', 'v2.wav'));
  const r = await apps.reload('reload-test');
  assert.deepEqual(r, { ok: true, version: 2 });
  const v2 = apps.route('any')!.app;
  assert.equal(v2.version, 2);
  assert.deepEqual(v2.resources, { greeting: 'v2.wav', closed: false });
  assert.notEqual(v2.definition.flows.hello, v1.definition.flows.hello);
  assert.equal(apps.flowMachine('reload-test', 'hello', 1), v1.definition.flows.hello, 'v1 stays reachable while a call uses it');
  assert.equal((v1.resources as { closed: boolean }).closed, false, 'v1 is not closed while a call runs on it');
  apps.release(v1);
  await new Promise<void>((r) => setImmediate(r));
  assert.equal((v1.resources as { closed: boolean }).closed, true, 'v1 closed after its last call');
  assert.equal(apps.flowMachine('reload-test', 'hello', 1), undefined);
  await apps.close();
  assert.equal((v2.resources as { closed: boolean }).closed, true);
});

test('reload: a version that fails to import, or whose config no longer validates, is refused; the old one serves', async () => {
  const dir = copyApp();
  const apps = new AppManager({ appsDir: dir, logger, config: { sets: [{ key: 'label', value: 'abc' }] } });
  await apps.loadAll(['reload-test']);
  const greetingFile = join(dir, 'reload-test', 'src', 'greeting.ts');
  const good = readFileSync(greetingFile, 'utf8');
  writeFileSync(greetingFile, 'export const GREETING: string = ;\n');
  const broken = await apps.reload('reload-test');
  assert.equal(broken.ok, false);
  assert.equal(!broken.ok && broken.code, 'APP_LOAD_FAILED');
  assert.equal(apps.current('reload-test')!.version, 1);

  writeFileSync(greetingFile, good);
  const indexFile = join(dir, 'reload-test', 'src', 'index.ts');
  writeFileSync(indexFile, readFileSync(indexFile, 'utf8').replace('label: z.string()', 'label: z.string().max(2)'));
  const badConfig = await apps.reload('reload-test');
  assert.equal(!badConfig.ok && badConfig.code, 'CONFIG_INVALID');
  assert.match(!badConfig.ok ? badConfig.message : '', /'label'/);
  assert.equal(apps.current('reload-test')!.version, 1);
  assert.deepEqual(await apps.reload('nope'), { ok: false, code: 'APP_NOT_FOUND', message: "app 'nope' is not loaded (loaded: reload-test)" });
  await apps.close();
});

test('--watch: a file change reloads the app', async () => {
  const dir = copyApp();
  const apps = new AppManager({ appsDir: dir, logger });
  await apps.loadAll(['reload-test']);
  const reloaded = new Promise<{ name: string; ok: boolean }>((resolve) => apps.watch((name, r) => resolve({ name, ok: r.ok })));
  const greetingFile = join(dir, 'reload-test', 'src', 'greeting.ts');
  writeFileSync(greetingFile, readFileSync(greetingFile, 'utf8').replace('v1.wav', 'v3.wav'));
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    reloaded,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no reload within 20 s of the change')), 20_000))),
  ]);
  clearTimeout(timer);
  assert.deepEqual(result, { name: 'reload-test', ok: true });
  assert.deepEqual(apps.current('reload-test')!.resources, { greeting: 'v3.wav', closed: false });
  await apps.close();
});

test('reload with calls running: the call in progress keeps its version, new calls get the new one', async () => {
  const { FakeMedia, FakeSipStack, flushAsync } = await import('./fakes.js');
  const { CallRegistry } = await import('../../src/server/call-registry.js');
  const { FlowRuntime } = await import('../../src/server/flow-runtime.js');
  const dir = copyApp();
  const apps = new AppManager({ appsDir: dir, logger });
  await apps.loadAll(['reload-test']);
  const stack = new FakeSipStack();
  const media = new FakeMedia();
  const registry = new CallRegistry();
  new FlowRuntime({ stack, media, registry, apps, logger });

  const first = stack.invite('1');
  await flushAsync();
  const greetingFile = join(dir, 'reload-test', 'src', 'greeting.ts');
  writeFileSync(greetingFile, readFileSync(greetingFile, 'utf8').replace('v1.wav', 'v2.wav'));
  assert.deepEqual(await apps.reload('reload-test'), { ok: true, version: 2 });
  const second = stack.invite('2');
  await flushAsync();
  assert.deepEqual(
    media.streams.map((s) => s.played.map((p) => p.split('/').pop())),
    [['v1.wav'], ['v2.wav']],
  );
  assert.deepEqual([registry.get(first.id)!.appVersion, registry.get(second.id)!.appVersion], [1, 2]);
  const v1 = apps.version('reload-test', 1)!;
  assert.equal((v1.resources as { closed: boolean }).closed, false);
  media.streams[0]!.dtmf('1');
  await flushAsync();
  assert.equal((v1.resources as { closed: boolean }).closed, true, 'v1 closed once its last call ended');
  media.streams[1]!.dtmf('1');
  await flushAsync();
  assert.equal(registry.activeCount, 0);
  registry.close();
  await apps.close();
});

test('several apps in one server: the first whose inbound routes match takes the call', async () => {
  const apps = new AppManager({ appsDir: fixtures, logger });
  await apps.loadAll(['rt-test', 'reload-test']);
  assert.deepEqual(apps.names(), ['rt-test', 'reload-test']);
  assert.deepEqual([apps.route('rt7')?.app.name, apps.route('rt7')?.flow], ['rt-test', 'answerer']);
  assert.deepEqual([apps.route('35')?.app.name, apps.route('35')?.flow], ['reload-test', 'hello']);
  await apps.close();
  await rejects(new AppManager({ appsDir: fixtures, logger }).loadAll(['rt-test', 'rt-test']), 'APP_CONFLICT', /given twice/);
});
