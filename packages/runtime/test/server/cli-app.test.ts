/** `npm run app`: option parsing, and the real process: serves, prints how to call, exits 0 on SIGTERM/SIGINT. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAppArgs } from '../../src/server/cli-options.js';
import { ServerError } from '../../src/server/errors.js';
import { freePort } from '../../../../test/support/ports.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('defaults and option forms', () => {
  const { options } = parseAppArgs(['example-ivr']);
  assert.deepEqual(options.apps, ['example-ivr']);
  assert.deepEqual(options.sip, { host: '127.0.0.1', port: 5060 });
  assert.deepEqual(options.admin, { host: '127.0.0.1', port: 8090 });
  assert.deepEqual(options.rtpPorts, [10000, 20000]);
  assert.equal(options.maxCalls, 1000);
  assert.equal(options.watch, false);

  const o = parseAppArgs([
    'a,b',
    'c',
    '--sip',
    '127.0.0.2:5070',
    '--admin',
    'off',
    '--rtp-ports',
    '30000-30100',
    '--set',
    'outbound_domain=127.0.0.1:5080',
    '--set',
    'a.ring_timeout=5',
    '--watch',
    '--max-calls',
    '7',
  ]).options;
  assert.deepEqual(o.apps, ['a', 'b', 'c']);
  assert.deepEqual(o.sip, { host: '127.0.0.2', port: 5070 });
  assert.equal(o.admin, null);
  assert.deepEqual(o.rtpPorts, [30000, 30100]);
  assert.deepEqual(o.config?.sets, [
    { key: 'outbound_domain', value: '127.0.0.1:5080' },
    { app: 'a', key: 'ring_timeout', value: '5' },
  ]);
  assert.equal(o.watch, true);
  assert.equal(o.maxCalls, 7);
});

test('--media-workers: a count, 0 for media on the main thread; unset leaves the default (cores - 1)', () => {
  assert.equal(parseAppArgs(['x']).options.mediaWorkers, undefined);
  assert.equal(parseAppArgs(['x', '--media-workers', '0']).options.mediaWorkers, 0);
  assert.equal(parseAppArgs(['x', '--media-workers', '3']).options.mediaWorkers, 3);
});

test('--assumed-fan-out: 2 by default (legs a call of a flow not learned yet is assumed to dial), 0 allowed, a typo refused', () => {
  assert.deepEqual(parseAppArgs(['x']).options.admission, { assumedFanOut: 2 });
  assert.deepEqual(parseAppArgs(['x', '--assumed-fan-out', '0']).options.admission, { assumedFanOut: 0 });
  assert.deepEqual(parseAppArgs(['x', '--assumed-fan-out', '5']).options.admission, { assumedFanOut: 5 });
  assert.throws(() => parseAppArgs(['x', '--assumed-fan-out', 'two']), /--assumed-fan-out/);
});

test('--rtp-latch: off by default (RTP only from the SDP address), on when given', () => {
  assert.equal(parseAppArgs(['x']).options.rtpLatch, false);
  assert.equal(parseAppArgs(['x', '--rtp-latch']).options.rtpLatch, true);
});

test('SIP TCP limits: documented defaults, each settable, 0 refused', () => {
  assert.deepEqual(parseAppArgs(['x']).options.sipTcp, {
    maxConnections: 1024,
    maxPerSource: 64,
    idleTimeoutMs: 120_000,
    readTimeoutMs: 10_000,
    maxMessageBytes: 65_535,
  });
  const set = parseAppArgs([
    'x',
    '--tcp-max-connections',
    '10',
    '--tcp-max-per-source',
    '2',
    '--tcp-idle-timeout',
    '30',
    '--tcp-read-timeout',
    '3',
    '--sip-max-message',
    '4096',
  ]);
  assert.deepEqual(set.options.sipTcp, { maxConnections: 10, maxPerSource: 2, idleTimeoutMs: 30_000, readTimeoutMs: 3000, maxMessageBytes: 4096 });
  assert.throws(() => parseAppArgs(['x', '--tcp-read-timeout', '0']), /--tcp-read-timeout: expected at least 1/);
});

test('--advertise and --outbound-proxy: absent by default, passed on to the server when given', () => {
  const plain = parseAppArgs(['x']).options;
  assert.equal(plain.advertise, undefined);
  assert.equal(plain.outboundProxy, undefined);
  const set = parseAppArgs(['x', '--advertise', '192.0.2.1:5080', '--outbound-proxy', 'sip:127.0.0.1:5070;lr']).options;
  assert.deepEqual(set.advertise, { host: '192.0.2.1', port: 5080 });
  assert.equal(set.outboundProxy, 'sip:127.0.0.1:5070;lr');
});

test('--ws / --wss: off by default; --wss needs --tls-cert and --tls-key, read as PEM files; stray TLS options refused', () => {
  assert.equal(parseAppArgs(['x']).options.websocket, undefined);
  assert.deepEqual(parseAppArgs(['x', '--ws', '127.0.0.1:8088']).options.websocket, [{ host: '127.0.0.1', port: 8088 }]);
  assert.throws(() => parseAppArgs(['x', '--wss', '127.0.0.1:8089']), /--wss: needs --tls-cert FILE and --tls-key FILE/);
  assert.throws(() => parseAppArgs(['x', '--tls-cert', 'c.pem']), /--tls-cert: only used with --wss/);
  assert.throws(
    () => parseAppArgs(['x', '--wss', '127.0.0.1:8089', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.pem']),
    /--tls-cert: \/nonexistent\.pem: ENOENT/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-cli-'));
  writeFileSync(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'key.pem'), 'not pem');
  assert.throws(
    () => parseAppArgs(['x', '--wss', '127.0.0.1:8089', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]),
    /--tls-key: .* not a PEM file/,
  );
  writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n');
  const [wss] =
    parseAppArgs(['x', '--wss', '127.0.0.1:8089', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]).options.websocket ?? [];
  assert.equal(wss?.port, 8089);
  assert.match(String(wss?.tls?.key), /BEGIN PRIVATE KEY/);
});

test('malformed options are refused with the option named', () => {
  for (const [args, pattern] of [
    [['x', '--sip', '127.0.0.1'], /--sip: expected HOST:PORT/],
    [['x', '--rtp-ports', '20000-10000'], /--rtp-ports/],
    [['x', '--set', 'novalue'], /--set: expected key=value/],
    [['x', '--max-calls', '-1'], /--max-calls/],
    [['x', '--config', '/nonexistent.json'], /--config/],
    [['x', '--media-workers', 'two'], /--media-workers: two \(a whole number 0-64/],
    [['x', '--media-workers', '-1'], /--media-workers/],
    [['x', '--advertise', 'example.com'], /--advertise: expected HOST:PORT/],
    [['x', '--outbound-proxy', 'sip:127.0.0.1:5070'], /--outbound-proxy: .*strict router.*add ;lr/],
    [['x', '--outbound-proxy', '127.0.0.1:5070'], /--outbound-proxy: expected sip:HOST:PORT;lr/],
  ] as const) {
    assert.throws(
      () => parseAppArgs([...args]),
      (err: unknown) => err instanceof ServerError && err.code === 'BAD_OPTION' && pattern.test(err.message),
    );
  }
});

/** Run `npm run app`'s script; resolves with its exit code and output. `onReady` runs once it serves. */
function runApp(args: string[], onReady?: (send: (sig: NodeJS.Signals) => void, out: () => string) => Promise<void> | void) {
  // Without NODE_TEST_CONTEXT: a child that inherits it behaves as a test-runner child (its own SIGINT handling).
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/runtime/src/server/cli/app.ts', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let ready = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!ready && out.includes('sipflow: serving')) {
        ready = true;
        Promise.resolve(
          onReady?.(
            (sig) => child.kill(sig),
            () => out,
          ),
        ).catch(reject);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    });
  });
}

test('npm run app serves, answers the admin API, and exits 0 on SIGTERM', async () => {
  const sip = await freePort();
  const admin = await freePort();
  const res = await runApp(['example-ivr', '--sip', `127.0.0.1:${sip}`, '--admin', `127.0.0.1:${admin}`, '--log-level', 'warn'], async (send) => {
    const health = await fetch(`http://127.0.0.1:${admin}/health`);
    assert.equal(health.status, 200);
    const apps = (await (await fetch(`http://127.0.0.1:${admin}/apps`)).json()) as unknown;
    assert.match(JSON.stringify(apps), /example-ivr/);
    send('SIGTERM');
  });
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, new RegExp(`serving example-ivr on sip:127\\.0\\.0\\.1:${sip}`));
  assert.match(res.out, /example-ivr: call any number, type 1234/, 'the app says how to call it');
});

test('--drain-timeout: seconds calls in progress get on SIGTERM (default 30), a bad value named', () => {
  assert.equal(parseAppArgs(['x']).drainTimeoutMs, 30_000);
  assert.equal(parseAppArgs(['x', '--drain-timeout', '5']).drainTimeoutMs, 5000);
  assert.throws(() => parseAppArgs(['x', '--drain-timeout', 'soon']), /--drain-timeout/);
});

test('npm run app exits 0 on SIGINT; a bad config value exits 2 naming the key', async () => {
  const sip = await freePort();
  const res = await runApp(['example-ivr', '--sip', `127.0.0.1:${sip}`, '--admin', 'off', '--log-level', 'warn', '--set', 'code=12'], (send) =>
    send('SIGINT'),
  );
  assert.equal(res.code, 0, res.out);

  const bad = await runApp(['example-ivr', '--sip', `127.0.0.1:${sip}`, '--admin', 'off', '--set', 'max_tries=many']);
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /CONFIG_INVALID[\s\S]*'max_tries'/);
  // A misspelt key: the error lists the keys the app has.
  const typo = await runApp(['example-ivr', '--sip', `127.0.0.1:${sip}`, '--admin', 'off', '--set', 'cod=12']);
  assert.equal(typo.code, 2, typo.out);
  assert.match(typo.out, /has a config key 'cod'; valid keys: example-ivr: code, max_tries, digit_timeout/);
  const unknown = await runApp(['no-such-app', '--admin', 'off']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.out, /no app 'no-such-app'.*example-ivr/);
});

test('--log-format: json lines by default when piped; pretty on request (a person reads the terminal)', async () => {
  assert.equal(parseAppArgs(['x']).logFormat, undefined, 'unset: the CLI picks pretty on a TTY, json otherwise');
  assert.throws(() => parseAppArgs(['x', '--log-format', 'xml']), /log-format/);
  const sip = await freePort();
  const json = await runApp(['example-ivr', '--sip', `127.0.0.1:${sip}`, '--admin', 'off'], (send) => send('SIGTERM'));
  assert.equal(json.code, 0, json.out);
  const stopping = json.out.split('\n').find((l) => l.includes('stopping'));
  assert.ok(stopping, json.out);
  assert.equal((JSON.parse(stopping) as { level: number }).level, 30, 'a pino JSON line at info');

  const pretty = await runApp(['example-ivr', '--sip', `127.0.0.1:${sip}`, '--admin', 'off', '--log-format', 'pretty'], (send) => send('SIGTERM'));
  assert.equal(pretty.code, 0, pretty.out);
  const line = pretty.out.split('\n').find((l) => l.includes('stopping'));
  assert.ok(line, pretty.out);
  assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: stopping/, 'time, level and message, no JSON');
  assert.ok(!line.includes('\u001b['), 'not coloured when stdout is not a terminal');
});
