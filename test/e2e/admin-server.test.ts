/**
 * The admin API, CLI and web page on a real server: example-ivr answers a sipp call, which shows in GET /calls,
 * `npm run calls`, and the web page (headless Chromium) while in progress, then as ended with its state graph;
 * /metrics counts it; a reload bumps the app version.
 */
// Media engine: both modes — the IVR call it watches plays prompts and takes DTMF through the media engine, and /metrics reports that engine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { callsCommand, callCommand } from '../../packages/runtime/src/server/admin/index.js';
import type { CallRecord } from '../../packages/runtime/src/server/registry-types.js';
import { startTestServer } from './flow-support.js';
import { startSipp } from '../support/sipp.js';
import { CHROMIUM, HEADLESS_CHROMIUM_ARGS } from '../support/chromium.js';
import { metricValue } from '../support/metrics.js';

const TIMEOUT = 30_000;

/** Calls, waits for the server's BYE (the IVR hangs up when no key comes within digit_timeout), answers it. */
const UAC_WAIT_FOR_BYE = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="admin-uac">
  <send retrans="500"><![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv request="BYE" timeout="60000"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Content-Length: 0

  ]]></send>
</scenario>
`;

/** Resolves with the first registry update that satisfies `test`. */
function nextUpdate(server: RunningServer, test: (r: CallRecord) => boolean, what: string): Promise<CallRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.registry.off('update', onUpdate);
      reject(new Error(`no registry update where ${what} within ${TIMEOUT} ms`));
    }, TIMEOUT);
    const onUpdate = (r: CallRecord) => {
      if (!test(r)) return;
      clearTimeout(timer);
      server.registry.off('update', onUpdate);
      resolve(structuredClone(r));
    };
    server.registry.on('update', onUpdate);
  });
}

function capture() {
  const io = { lines: [] as string[], errors: [] as string[], out: (l: string) => io.lines.push(l), err: (l: string) => io.errors.push(l), env: {} };
  return io;
}

describe('admin API on a real server with a sipp call', () => {
  let server: RunningServer;
  let base: string;
  let adminAddr: string;
  let browser: Browser | undefined;
  let page: Page | undefined;

  before(async () => {
    server = await startTestServer({
      apps: ['example-ivr'],
      admin: { host: '127.0.0.1', port: 0 },
      // Long enough for the checks made while the call waits in GREETING, even on a loaded machine.
      config: { sets: [{ key: 'digit_timeout', value: '8' }] },
    });
    assert.ok(server.admin, 'admin server started');
    adminAddr = `${server.admin.host}:${server.admin.port}`;
    base = `http://${adminAddr}`;
    if (existsSync(CHROMIUM)) {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...HEADLESS_CHROMIUM_ARGS],
        timeout: 60_000,
      });
      page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(base, { timeout: TIMEOUT });
      await page.locator('#conn.conn-up').waitFor({ timeout: TIMEOUT });
    }
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the call while in progress, then ended with its state graph; metrics count it', async () => {
    const greeting = nextUpdate(server, (r) => r.state === 'GREETING', "a call is in 'GREETING'");
    const ended = nextUpdate(server, (r) => r.endedAt !== undefined, 'a call ended');
    const dir = mkdtempSync(join(tmpdir(), 'sipflow-admin-e2e-'));
    writeFileSync(join(dir, 'uac.xml'), UAC_WAIT_FOR_BYE);
    const sipp = await startSipp({
      scenario: { file: join(dir, 'uac.xml') },
      remote: `127.0.0.1:${server.sip.port}`,
      service: '35',
      calls: 1,
      timeoutSec: 60,
    });

    // In progress: GET /calls, the CLI table, the web page.
    const live = await greeting;
    const calls = (await (await fetch(`${base}/calls`)).json()) as { count: number; calls: Array<Record<string, unknown>> };
    assert.equal(calls.count, 1);
    assert.equal(calls.calls[0]?.id, live.id);
    assert.equal(calls.calls[0]?.app, 'example-ivr');
    assert.equal(calls.calls[0]?.flow, 'ivr');
    assert.equal(calls.calls[0]?.state, 'GREETING');
    assert.equal(calls.calls[0]?.direction, 'inbound');
    assert.match(String(calls.calls[0]?.to), /sip:35@127\.0\.0\.1/);
    const table = capture();
    assert.equal(await callsCommand(['--admin', adminAddr], table), 0, table.errors.join('\n'));
    assert.match(table.lines.find((l) => l.startsWith(live.id)) ?? '', /example-ivr\s+ivr\s+GREETING/);
    if (page) {
      const card = page.locator(`#active article.call[data-call-id="${live.id}"]`);
      await card.locator('g.state.current[data-state="GREETING"]').waitFor({ timeout: TIMEOUT });
      await page.screenshot({ path: '/tmp/sipflow-admin-e2e-live.png', fullPage: true });
    }

    // Ended: the IVR hung up after digit_timeout, sipp answered the BYE.
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 2000)}`);
    const end = await ended;
    assert.equal(end.id, live.id);
    assert.equal(((await (await fetch(`${base}/calls`)).json()) as { count: number }).count, 0);
    const withEnded = (await (await fetch(`${base}/calls?ended=1`)).json()) as { calls: Array<{ id: string; state: string; endedAt?: number }> };
    const record = withEnded.calls.find((c) => c.id === live.id);
    assert.ok(record?.endedAt, 'kept after its end');
    assert.equal(record.state, 'END');
    const { call } = (await (await fetch(`${base}/calls/${encodeURIComponent(live.id)}`)).json()) as { call: CallRecord };
    const transitions = call.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
    assert.deepEqual(transitions, ['got INVITE', 'no key pressed']);
    const detail = capture();
    assert.equal(await callCommand([live.id, '--admin', adminAddr], detail), 0);
    assert.match(detail.lines.join('\n'), /-> no key pressed on after digitTimeout$/m);
    if (page) {
      const card = page.locator(`#ended article.call[data-call-id="${live.id}"]`);
      await card.locator('g.state.current[data-state="END"]').waitFor({ timeout: TIMEOUT });
      await page.screenshot({ path: '/tmp/sipflow-admin-e2e-ended.png', fullPage: true });
    }

    const metrics = await (await fetch(`${base}/metrics`)).text();
    const value = (series: string) => metricValue(metrics, series);
    assert.equal(value('sipflow_calls_started_total{app="example-ivr"}'), 1, metrics);
    assert.equal(value(`sipflow_calls_total{app="example-ivr",outcome="${call.outcome}"}`), 1, metrics);
    assert.equal(value('sipflow_calls_active{app="example-ivr"}'), 0);
    assert.ok(value('sipflow_sip_messages_total{direction="in"}') >= 3, metrics);
    assert.ok(value('sipflow_sip_messages_total{direction="out"}') >= 3, metrics);
    assert.ok(value('sipflow_media_ticks_total') > 0, metrics);
    // The IVR played its welcome prompt to sipp.
    assert.ok(value('sipflow_rtp_packets_total{direction="out"}') > 0, metrics);
    // Each thread's V8 heap: the main thread always, and a media worker's when the media runs on workers.
    assert.ok(value('sipflow_heap_bytes{thread="main",kind="used"}') > 1e6, metrics);
    if (process.env.SIPFLOW_MEDIA_WORKERS !== '0') assert.ok(value('sipflow_heap_bytes{thread="media-worker-0",kind="used"}') > 1e5, metrics);
  });

  it('reloads the app through the API: new version listed, a bad app name is refused', async () => {
    const reload = await fetch(`${base}/apps/example-ivr/reload`, { method: 'POST' });
    assert.equal(reload.status, 200);
    assert.deepEqual(await reload.json(), { ok: true, app: 'example-ivr', version: 2 });
    const apps = (await (await fetch(`${base}/apps`)).json()) as { apps: Array<{ name: string; version: number; flows: string[] }> };
    assert.deepEqual(
      apps.apps.map((a) => [a.name, a.version, a.flows]),
      [['example-ivr', 2, ['ivr']]],
    );
    const unknown = await fetch(`${base}/apps/nope/reload`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    const svg = await (await fetch(`${base}/apps/example-ivr/flows/ivr/diagram.svg?version=2`)).text();
    assert.match(svg, /data-state="GOODBYE"/);
  });
});
