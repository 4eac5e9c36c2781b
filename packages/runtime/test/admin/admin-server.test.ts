import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { startAdminServer, type AdminServer } from '../../src/server/admin/index.js';
import { fakeDeps, type FakeDeps } from './fakes.js';

async function start(t: TestContext, token?: string): Promise<{ admin: AdminServer; deps: FakeDeps; base: string }> {
  const deps = fakeDeps();
  const admin = await startAdminServer({ host: '127.0.0.1', port: 0, ...(token ? { token } : {}) }, deps);
  t.after(() => admin.close());
  return { admin, deps, base: `http://127.0.0.1:${admin.address.port}` };
}

async function json(res: Response): Promise<any> {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return res.json();
}

test('GET /calls lists active calls with the summary fields, filters by app and state, ?ended=1 adds ended ones', async (t) => {
  const { deps, base } = await start(t);
  deps.registry.start('c1');
  deps.registry.start('c2', { app: 'other', flow: 'x' });
  deps.registry.start('c3');
  deps.registry.move('c3', 'ANSWERED.prompting', 'answer', 'sip.invite');
  deps.registry.start('c4');
  deps.registry.end('c4');

  const all = await json(await fetch(`${base}/calls`));
  assert.equal(all.count, 3);
  assert.deepEqual(all.calls.map((c: any) => c.id).sort(), ['c1', 'c2', 'c3']);
  const c1 = all.calls.find((c: any) => c.id === 'c1');
  for (const key of ['id', 'app', 'flow', 'state', 'direction', 'from', 'to', 'started']) assert.ok(key in c1, key);
  assert.equal(new Date(c1.started).getTime(), c1.startedAt);

  assert.deepEqual(
    (await json(await fetch(`${base}/calls?app=other`))).calls.map((c: any) => c.id),
    ['c2'],
  );
  assert.deepEqual(
    (await json(await fetch(`${base}/calls?state=ANSWERED`))).calls.map((c: any) => c.id),
    ['c3'],
  );
  const withEnded = await json(await fetch(`${base}/calls?ended=1`));
  assert.equal(withEnded.count, 4);
  assert.equal(withEnded.calls.find((c: any) => c.id === 'c4').outcome, 'completed');
});

test('GET /calls rejects an unknown or malformed query parameter with a coded JSON error', async (t) => {
  const { base } = await start(t);
  const res = await fetch(`${base}/calls?ended=maybe`);
  assert.equal(res.status, 400);
  const body = await json(res);
  assert.equal(body.error.code, 'BAD_REQUEST');
  assert.match(body.error.message, /ended/);
  const typo = await json(await fetch(`${base}/calls?appp=demo`));
  assert.equal(typo.error.code, 'BAD_REQUEST');
});

test('GET /calls/:id returns every attribute and the state graph; an unknown id is CALL_NOT_FOUND', async (t) => {
  const { deps, base } = await start(t);
  deps.registry.start('c1', { parentId: 'p0' });
  deps.registry.move('c1', 'ANSWERED.prompting', 'answer', 'sip.invite');
  const { call } = await json(await fetch(`${base}/calls/c1`));
  assert.equal(call.requestUri, 'sip:35@127.0.0.1');
  assert.equal(call.parentId, 'p0');
  assert.equal(call.appVersion, 1);
  assert.deepEqual(
    call.stateGraph.map((s: any) => (s.kind === 'state' ? s.state : `${s.description}/${s.event}`)),
    ['IDLE', 'answer/sip.invite', 'ANSWERED.prompting'],
  );
  const malformed = await fetch(`${base}/calls/%E0%A4%A`);
  assert.equal(malformed.status, 400);
  assert.equal((await json(malformed)).error.code, 'BAD_REQUEST');
  const missing = await fetch(`${base}/calls/nope`);
  assert.equal(missing.status, 404);
  assert.equal((await json(missing)).error.code, 'CALL_NOT_FOUND');
});

test('apps: GET /apps, POST /apps/:name/reload ok, refused with the reason, unknown app, wrong method', async (t) => {
  const { deps, base } = await start(t);
  const apps = await json(await fetch(`${base}/apps`));
  assert.deepEqual(
    apps.apps.map((a: any) => [a.name, a.version]),
    [['demo', 1]],
  );

  const ok = await fetch(`${base}/apps/demo/reload`, { method: 'POST' });
  assert.equal(ok.status, 200);
  assert.deepEqual(await json(ok), { ok: true, app: 'demo', version: 2 });
  assert.deepEqual(deps.reloads, ['demo']);

  deps.nextReload = { ok: false, code: 'CONFIG_INVALID', message: "config key 'pin_length' must be a number" };
  const refused = await fetch(`${base}/apps/demo/reload`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(refused.status, 422);
  const err = (await json(refused)).error;
  assert.equal(err.code, 'RELOAD_FAILED');
  assert.match(err.message, /CONFIG_INVALID.*pin_length.*previous version keeps serving/);

  const unknown = await fetch(`${base}/apps/nope/reload`, { method: 'POST' });
  assert.equal(unknown.status, 404);
  assert.equal((await json(unknown)).error.code, 'APP_NOT_FOUND');

  const badBody = await fetch(`${base}/apps/demo/reload`, { method: 'POST', body: '{"force":1}' });
  assert.equal((await json(badBody)).error.code, 'BAD_REQUEST');
  const notJson = await fetch(`${base}/apps/demo/reload`, { method: 'POST', body: '{' });
  assert.equal((await json(notJson)).error.code, 'BAD_REQUEST');

  const wrongMethod = await fetch(`${base}/apps/demo/reload`);
  assert.equal(wrongMethod.status, 405);
  assert.equal((await json(wrongMethod)).error.code, 'METHOD_NOT_ALLOWED');
  assert.equal((await json(await fetch(`${base}/nothing/here`))).error.code, 'NOT_FOUND');
});

test('GET /health', async (t) => {
  const { deps, base } = await start(t);
  deps.registry.start('c1');
  const health = await json(await fetch(`${base}/health`));
  assert.equal(health.status, 'ok');
  assert.equal(health.activeCalls, 1);
  assert.equal(health.apps, 1);
});

test('flow diagrams: JSON graph and SVG with one node per state; unknown flow is FLOW_NOT_FOUND', async (t) => {
  const { base } = await start(t);
  const { flow } = await json(await fetch(`${base}/apps/demo/flows/clean`));
  assert.equal(flow.initial, 'IDLE');
  assert.ok(flow.states.some((s: any) => s.path === 'ANSWERED.prompting'));
  const svg = await fetch(`${base}/apps/demo/flows/clean/diagram.svg`);
  assert.match(svg.headers.get('content-type') ?? '', /image\/svg\+xml/);
  const text = await svg.text();
  for (const state of ['IDLE', 'ANSWERED', 'ANSWERED.prompting', 'ANSWERED.checking', 'CONNECTED', 'DONE'])
    assert.ok(text.includes(`data-state="${state}"`), state);
  assert.equal((await json(await fetch(`${base}/apps/demo/flows/nope`))).error.code, 'FLOW_NOT_FOUND');
  assert.equal((await json(await fetch(`${base}/apps/nope/flows/clean/diagram.svg`))).error.code, 'APP_NOT_FOUND');
});

test('GET /metrics: Prometheus text with calls by app and outcome, rate, SIP, RTP, tick lateness, event-loop lag', async (t) => {
  const { deps, base } = await start(t);
  deps.registry.start('c1');
  deps.registry.start('c2');
  deps.registry.end('c2', 'cancelled', 'cancel');
  deps.registry.end('c2', 'cancelled', 'cancel'); // a repeated end is not counted twice
  deps.registry.start('c3', { app: 'other' });
  const res = await fetch(`${base}/metrics`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const value = (line: string) => {
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    assert.ok(found, `missing ${line}\n${text}`);
    return Number(found.slice(line.length + 1));
  };
  assert.equal(value('sipflow_calls_active{app="demo"}'), 1);
  assert.equal(value('sipflow_calls_active{app="other"}'), 1);
  assert.equal(value('sipflow_calls_started_total{app="demo"}'), 2);
  assert.equal(value('sipflow_calls_total{app="demo",outcome="cancelled"}'), 1);
  assert.ok(value('sipflow_calls_per_second') > 0);
  assert.equal(value('sipflow_sip_messages_total{direction="in"}'), 10);
  assert.equal(value('sipflow_sip_retransmissions_total{direction="out"}'), 2);
  assert.equal(value('sipflow_sip_peer_resends_total'), 1);
  assert.equal(value('sipflow_sip_requests_in_total'), 7);
  assert.equal(value('sipflow_rtp_packets_total{direction="out"}'), 410);
  assert.equal(value('sipflow_rtp_rejected_source_total'), 3);
  assert.equal(value('sipflow_media_tick_lateness_ms{quantile="0.99"}'), 1.5);
  // Late ticks by cause: a box short of CPUs reads apart from a thread short of time.
  assert.equal(value('sipflow_media_late_ticks_total{cause="cpu"}'), 2);
  assert.equal(value('sipflow_media_late_ticks_total{cause="gc"}'), 1);
  assert.equal(value('sipflow_media_late_ticks_total{cause="work"}'), 0);
  // A media worker's own CPU share (its relays run outside its ticks) and the admission rule reading it.
  assert.equal(value('sipflow_media_worker_busy_share{worker="0"}'), 0.1);
  assert.equal(value('sipflow_media_worker_cpu_share{worker="0"}'), 0.93);
  assert.equal(value('sipflow_media_worker_cpu_seconds_total{worker="0",mode="user"}'), 1.5);
  assert.equal(value('sipflow_admission_media_cpu_share'), 0.93);
  assert.equal(value('sipflow_admission_refusing{reason="media"}'), 1);
  // The lateness histogram: cumulative buckets (for the quantiles of any interval), +Inf and _count = ticks.
  assert.match(text, /# TYPE sipflow_media_tick_lateness_histogram_ms histogram/);
  assert.equal(value('sipflow_media_tick_lateness_histogram_ms_bucket{le="0.5"}'), 300);
  assert.equal(value('sipflow_media_tick_lateness_histogram_ms_bucket{le="10"}'), 498);
  assert.equal(value('sipflow_media_tick_lateness_histogram_ms_bucket{le="+Inf"}'), 500);
  assert.equal(value('sipflow_media_tick_lateness_histogram_ms_count'), 500);
  assert.equal(value('sipflow_media_tick_lateness_histogram_ms_sum'), 150);
  assert.ok(value('sipflow_event_loop_lag_ms{quantile="0.99"}') >= 0);
  assert.match(text, /# TYPE sipflow_calls_total counter/);
});

test('a token, when set, is required as a bearer token; /?token= trades it for a cookie', async (t) => {
  const { base } = await start(t, 's3cret');
  const none = await fetch(`${base}/calls`);
  assert.equal(none.status, 401);
  assert.equal((await json(none)).error.code, 'UNAUTHORIZED');
  assert.equal((await fetch(`${base}/calls`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await fetch(`${base}/calls`, { headers: { authorization: 'Bearer s3cret' } })).status, 200);

  const login = await fetch(`${base}/?token=s3cret`, { redirect: 'manual' });
  assert.equal(login.status, 303);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  assert.match(cookie, /^sipflow_admin_token=/);
  assert.equal((await fetch(`${base}/`, { headers: { cookie } })).status, 200);
  assert.equal((await fetch(`${base}/?token=nope`, { redirect: 'manual' })).status, 401);
});

test('bound to a non-loopback address without a token it refuses to start; with a token it starts', async () => {
  const deps = fakeDeps();
  await assert.rejects(startAdminServer({ host: '0.0.0.0', port: 0 }, deps), (err: any) => {
    assert.equal(err.code, 'TOKEN_REQUIRED');
    assert.match(err.message, /non-loopback.*token/);
    return true;
  });
  const admin = await startAdminServer({ host: '0.0.0.0', port: 0, token: 't' }, deps);
  try {
    const res = await fetch(`http://127.0.0.1:${admin.address.port}/health`);
    assert.equal(res.status, 401);
  } finally {
    await admin.close();
  }
});

test('a port in use is a LISTEN_FAILED error', async (t) => {
  const { admin } = await start(t);
  await assert.rejects(startAdminServer({ host: '127.0.0.1', port: admin.address.port }, fakeDeps()), { code: 'LISTEN_FAILED' });
});

test('GET /events streams a snapshot then every update', async (t) => {
  const { deps, admin } = await start(t);
  deps.registry.start('c1');
  const events: Array<{ event: string; data: any }> = [];
  let notify: () => void = () => {};
  const req = request({ host: '127.0.0.1', port: admin.address.port, path: '/events' });
  t.after(() => req.destroy());
  req.on('response', (res) => {
    assert.match(res.headers['content-type'] ?? '', /text\/event-stream/);
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let idx: number;
      while ((idx = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        notify();
      }
    });
  });
  req.end();
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (events.length >= n ? resolve() : (notify = check));
      check();
    });
  await waitFor(1);
  assert.equal(events[0]?.event, 'snapshot');
  assert.deepEqual(
    events[0]?.data.calls.map((c: any) => c.id),
    ['c1'],
  );
  deps.registry.move('c1', 'CONNECTED', 'pin matches', 'dtmf');
  await waitFor(2);
  assert.equal(events[1]?.event, 'call');
  assert.equal(events[1]?.data.state, 'CONNECTED');

  // A burst of changes to one call is coalesced into its latest record, with the whole state graph.
  deps.registry.move('c1', 'DONE', 'caller hung up', 'sip.hangup');
  deps.registry.end('c1');
  deps.registry.start('c2');
  await waitFor(4);
  const burst = events.slice(2);
  assert.deepEqual(burst.map((e) => e.data.id).sort(), ['c1', 'c2']);
  const c1 = burst.find((e) => e.data.id === 'c1')?.data;
  assert.equal(c1.state, 'DONE');
  assert.ok(c1.endedAt);
  assert.equal(c1.stateGraph.at(-1).state, 'DONE');
});

function raw(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('browser attacks on a token-less loopback API: foreign Host (DNS rebinding) and cross-origin POST (CSRF) are refused', async (t) => {
  const { admin, deps } = await start(t);
  const port = admin.address.port;
  const rebinding = await raw(port, 'GET', '/calls', { host: `evil.example:${port}` });
  assert.equal(rebinding.status, 403);
  assert.equal(rebinding.body.error.code, 'FORBIDDEN');
  assert.equal((await raw(port, 'GET', '/calls', { host: `localhost:${port}` })).status, 200);
  assert.equal((await raw(port, 'GET', '/calls', { host: `127.0.0.1:${port}` })).status, 200);

  const csrf = await raw(port, 'POST', '/apps/demo/reload', { host: `127.0.0.1:${port}`, origin: 'http://evil.example' });
  assert.equal(csrf.status, 403);
  assert.equal(csrf.body.error.code, 'FORBIDDEN');
  assert.equal((await raw(port, 'POST', '/apps/demo/reload', { host: `127.0.0.1:${port}`, origin: 'null' })).status, 403);
  assert.deepEqual(deps.reloads, []);
  const sameOrigin = await raw(port, 'POST', '/apps/demo/reload', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
  assert.equal(sameOrigin.status, 200);
  assert.deepEqual(deps.reloads, ['demo']);
});

test('routes answer only what they declare: HEAD and unknown methods are 405 naming the allowed ones; a body over 64 KiB is a 400', async (t) => {
  const { base } = await start(t);
  const head = await fetch(`${base}/calls`, { method: 'HEAD' });
  assert.equal(head.status, 405);
  const del = await fetch(`${base}/calls/c1`, { method: 'DELETE' });
  assert.equal(del.status, 405);
  assert.match((await json(del)).error.message, /DELETE not allowed on \/calls\/c1 \(allowed: GET\)/);
  const big = await fetch(`${base}/apps/demo/reload`, { method: 'POST', body: `{"x":"${'a'.repeat(70 * 1024)}"}` });
  assert.equal(big.status, 400);
  assert.equal((await json(big)).error.code, 'BAD_REQUEST');
  // A trailing slash is the same route.
  assert.equal((await fetch(`${base}/calls/`)).status, 200);
});

test('GET /metrics also carries the process figures (resident memory, heap, open fds) from prom-client', async (t) => {
  const { base } = await start(t);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /^# TYPE process_resident_memory_bytes gauge$/m);
  const rss = Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
  assert.ok(rss > 10_000_000, `resident memory ${rss}`);
  assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
  // Open fds, listed off the event loop: one sample, the process's count, and 20 sockets more are 20 more
  const fds = async () => {
    const t = await (await fetch(`${base}/metrics`)).text();
    assert.equal(t.match(/^process_open_fds /gm)?.length, 1);
    return Number(/^process_open_fds (\d+)$/m.exec(t)?.[1]);
  };
  const before = await fds();
  // (± a connection the HTTP client may open or close between two reads)
  const listed = readdirSync('/proc/self/fd').length - 1;
  assert.ok(Math.abs(before - listed) <= 2, `process_open_fds ${before}, /proc/self/fd lists ${listed}`);
  const sockets = await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise<Socket>((resolve) => {
          const s = createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  t.after(() => sockets.forEach((s) => s.close()));
  const after = await fds();
  assert.ok(after - before >= 18 && after - before <= 22, `20 sockets more: ${before} → ${after}`);
});

test('the phone: /phone?token= trades the token and comes back to /phone; /phone/config lists the WebSocket listeners, the SIP address and the apps; /vendor/sip.js is sip.js as one ES module', async (t) => {
  const deps = fakeDeps();
  deps.phone = () => ({ websocket: [{ host: '127.0.0.1', port: 8088, transport: 'ws' }], sip: { host: '127.0.0.1', port: 5060 } });
  const admin = await startAdminServer({ host: '127.0.0.1', port: 0, token: 's3cret' }, deps);
  t.after(() => admin.close());
  const base = `http://127.0.0.1:${admin.address.port}`;
  assert.equal((await fetch(`${base}/phone`)).status, 401);
  const login = await fetch(`${base}/phone?token=s3cret`, { redirect: 'manual' });
  assert.equal(login.status, 303);
  assert.equal(login.headers.get('location'), '/phone');
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await fetch(`${base}/phone`, { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="\/phone\.js">/);
  const config = await json(await fetch(`${base}/phone/config`, { headers: { cookie } }));
  assert.deepEqual(config.websocket, [{ host: '127.0.0.1', port: 8088, transport: 'ws' }]);
  assert.deepEqual(config.sip, { host: '127.0.0.1', port: 5060 });
  assert.ok(Array.isArray(config.apps));
  const bundle = await fetch(`${base}/vendor/sip.js`, { headers: { cookie } });
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
  assert.match(await bundle.text(), /export\s*\{[^}]*UserAgent/);
});

test('the phone without a phone dependency: /phone/config says there is no WebSocket listener', async (t) => {
  const { base } = await start(t);
  const config = await json(await fetch(`${base}/phone/config`));
  assert.deepEqual(config.websocket, []);
  assert.equal(config.sip, undefined);
});
