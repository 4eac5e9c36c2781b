import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAdminServer, callsCommand, callCommand, reloadCommand, CLI_EXIT, type CliIo } from '../../src/server/admin/index.js';
import { freePort } from '../../../../test/support/ports.js';
import { fakeDeps, type FakeDeps } from './fakes.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function capture(now?: number): CliIo & { lines: string[]; errors: string[] } {
  const io = { lines: [] as string[], errors: [] as string[], out: (l: string) => io.lines.push(l), err: (l: string) => io.errors.push(l), env: {} };
  return now === undefined ? io : { ...io, now: () => now };
}

async function start(t: TestContext, token?: string): Promise<{ deps: FakeDeps; admin: string }> {
  const deps = fakeDeps();
  const server = await startAdminServer({ host: '127.0.0.1', port: 0, ...(token ? { token } : {}) }, deps);
  t.after(() => server.close());
  return { deps, admin: `127.0.0.1:${server.address.port}` };
}

test('calls: a table of id, app, flow, state, age; filters pass through', async (t) => {
  const { deps, admin } = await start(t);
  const c1 = deps.registry.start('call-1', { from: '"bee" <sip:5@127.0.0.1>;tag=x' });
  deps.registry.start('call-2', { app: 'other', flow: 'x', state: 'RINGING' });
  const io = capture(c1.startedAt + 65_000);
  assert.equal(await callsCommand(['--admin', admin], io), CLI_EXIT.ok);
  assert.match(io.lines[0] ?? '', /^ID\s+APP\s+FLOW\s+STATE\s+AGE\s+FROM\s+TO$/);
  const row = io.lines.find((l) => l.startsWith('call-1')) ?? '';
  assert.match(row, /^call-1\s+demo\s+clean\s+IDLE\s+1m0[45]s\s+5@127\.0\.0\.1\s+35@127\.0\.0\.1$/);
  assert.equal(io.lines.at(-1), '2 calls');

  const filtered = capture();
  assert.equal(await callsCommand(['--admin', admin, '--app', 'other'], filtered), 0);
  assert.deepEqual(
    filtered.lines.filter((l) => l.startsWith('call-')).map((l) => l.split(/\s+/)[0]),
    ['call-2'],
  );
  const none = capture();
  assert.equal(await callsCommand(['--admin', admin, '--app', 'nobody'], none), 0);
  assert.deepEqual(none.lines, ['no calls']);
});

test('call <id>: attributes then the ordered state graph; an unknown id exits 1 with the code', async (t) => {
  const { deps, admin } = await start(t);
  deps.registry.start('call-1');
  deps.registry.move('call-1', 'ANSWERED.prompting', 'answer', 'sip.invite');
  deps.registry.end('call-1', 'completed', 'bye');
  const io = capture();
  assert.equal(await callCommand(['call-1', '--admin', admin], io), 0);
  const text = io.lines.join('\n');
  assert.match(text, /^request-uri\s+sip:35@127\.0\.0\.1$/m);
  assert.match(text, /^outcome\s+completed$/m);
  assert.match(text, /^end reason\s+bye$/m);
  assert.match(text, /state graph \(3 steps\):\n\s+1\s+\+0\.\d{3}s\s+\[IDLE\]\n\s+2 .*-> answer on sip\.invite\n\s+3 .*\[ANSWERED\.prompting\]/);

  const missing = capture();
  assert.equal(await callCommand(['nope', '--admin', admin], missing), CLI_EXIT.apiError);
  assert.match(missing.errors.join('\n'), /CALL_NOT_FOUND/);
});

test('reload <app>: prints the new version; a refused reload exits 1 with the reason', async (t) => {
  const { deps, admin } = await start(t);
  const io = capture();
  assert.equal(await reloadCommand(['demo', '--admin', admin], io), 0);
  assert.match(io.lines.join('\n'), /reloaded demo: now version 2/);
  deps.nextReload = { ok: false, code: 'LOAD_FAILED', message: 'SyntaxError in caller.ts' };
  const refused = capture();
  assert.equal(await reloadCommand(['demo', '--admin', admin], refused), CLI_EXIT.apiError);
  assert.match(refused.errors.join('\n'), /RELOAD_FAILED.*LOAD_FAILED.*SyntaxError/);
});

test('the token is sent when given; without it a protected server answers UNAUTHORIZED', async (t) => {
  const { admin } = await start(t, 'tok');
  const denied = capture();
  assert.equal(await callsCommand(['--admin', admin], denied), CLI_EXIT.apiError);
  assert.match(denied.errors.join('\n'), /UNAUTHORIZED/);
  assert.equal(await callsCommand(['--admin', admin, '--token', 'tok'], capture()), 0);
  const viaEnv = { ...capture(), env: { SIPFLOW_ADMIN: admin, SIPFLOW_ADMIN_TOKEN: 'tok' } };
  assert.equal(await callsCommand([], viaEnv), 0);
});

test('usage errors and a bad --admin exit 2', async () => {
  const io = capture();
  assert.equal(await callCommand([], io), CLI_EXIT.usage);
  assert.match(io.errors.join('\n'), /missing required argument 'id'/);
  const bad = capture();
  assert.equal(await callsCommand(['--admin', 'nohostport'], bad), CLI_EXIT.usage);
  assert.match(bad.errors.join('\n'), /BAD_ADDRESS/);
});

test('npm run calls against an address where nothing listens: clear message, exit 3', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/runtime/src/server/cli/calls.ts', '--admin', `127.0.0.1:${port}`], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, CLI_EXIT.unreachable);
  assert.match(stderr, new RegExp(`UNREACHABLE: cannot reach the sipflow admin API at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
});
