/**
 * sipflow behind Kamailio (deploy/kamailio/kamailio.cfg, the real proxy) on loopback: two example-ivr instances
 * behind the dispatcher, sipp callers that honour Record-Route ([routes] in ACK and BYE). Calls are spread round
 * robin; BYE from the caller and from the server both travel the record-routed path; an instance that answers
 * INVITE 503 has its calls retried on the other before the caller sees an error; an instance whose OPTIONS answer
 * is 503 (draining, no headroom) is taken out of rotation by the dispatcher's probe.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { startKamailio } from '../support/kamailio.js';
import { startSipp } from '../support/sipp.js';
import { startTestServer, waitForIdle, waitForRecord } from './flow-support.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
const REFUSING = { busyShareMax: -1, latenessP90MaxMs: -1, windowMs: 200, sampleMs: 50, retryAfterS: 4 };

async function untilRefusing(server: RunningServer): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!server.admission.snapshot.refusing) {
    if (Date.now() > deadline) throw new Error('admission never started refusing');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const inbound = (s: RunningServer) => s.registry.list({ ended: true }).filter((r) => r.direction === 'inbound');

describe('sipflow behind Kamailio (dispatcher, record-route)', () => {
  it('spreads calls round robin; the caller BYEs through the proxy; a draining instance BYEs its call through the proxy', async () => {
    const a = await startTestServer({ apps: ['example-ivr'] });
    const b = await startTestServer({ apps: ['example-ivr'] });
    const proxy = await startKamailio({ instances: [a.sip.port, b.sip.port], probeIntervalS: 30 });
    try {
      const callers = await startSipp({
        scenario: { file: scenario('drain-caller-bye-uac.xml') },
        remote: `127.0.0.1:${proxy.port}`,
        service: '35',
        calls: 4,
        rate: 10,
        limit: 4,
        timeoutSec: 40,
      });
      const res = await callers.done;
      assert.equal(res.code, 0, `calls through the proxy: ${res.errors.slice(0, 2000)}\n${proxy.log().slice(-1500)}`);
      await Promise.all([waitForIdle(a), waitForIdle(b)]);
      assert.equal(inbound(a).length, 2, 'round robin: two calls each');
      assert.equal(inbound(b).length, 2, 'round robin: two calls each');
      for (const r of [...inbound(a), ...inbound(b)]) assert.equal(r.outcome, 'completed');

      // The server's BYE: a call up on one instance, which drains with a short deadline and ends it.
      const waiting = await startSipp({
        scenario: { file: scenario('flow-wait-bye-uac.xml') },
        remote: `127.0.0.1:${proxy.port}`,
        service: '35',
        timeoutSec: 30,
      });
      const record = await Promise.race([
        waitForRecord(a, (r) => r.direction === 'inbound' && !r.endedAt).then(() => a),
        waitForRecord(b, (r) => r.direction === 'inbound' && !r.endedAt).then(() => b),
      ]);
      await record.drain(300);
      const w = await waiting.done;
      assert.equal(w.code, 0, `the server's BYE reaches the caller through the proxy: ${w.errors.slice(0, 2000)}`);
    } finally {
      await proxy.stop();
      await a.stop();
      await b.stop();
    }
  });

  it('an instance answering INVITE 503 has its calls tried on the other; the caller never sees the 503', async () => {
    const refusing = await startTestServer({ apps: ['example-ivr'], admission: REFUSING });
    const ok = await startTestServer({ apps: ['example-ivr'] });
    await untilRefusing(refusing);
    // A long probe interval: the dispatcher still sends INVITEs to the refusing instance, and must fail over.
    const proxy = await startKamailio({ instances: [refusing.sip.port, ok.sip.port], probeIntervalS: 60 });
    try {
      const callers = await startSipp({
        scenario: { file: scenario('drain-caller-bye-uac.xml') },
        remote: `127.0.0.1:${proxy.port}`,
        service: '35',
        calls: 4,
        rate: 10,
        limit: 4,
        timeoutSec: 40,
      });
      const res = await callers.done;
      assert.equal(res.code, 0, `every caller connected: ${res.errors.slice(0, 2000)}\n${proxy.log().slice(-1500)}`);
      assert.ok(refusing.admission.snapshot.refused >= 1, 'the refusing instance was tried and answered 503');
      await waitForIdle(ok);
      assert.equal(inbound(ok).length, 4, 'every call ended up on the instance with headroom');
    } finally {
      await proxy.stop();
      await refusing.stop();
      await ok.stop();
    }
  });

  it("an instance answering OPTIONS 503 leaves rotation at the dispatcher's next probe: no INVITE goes to it", async () => {
    const refusing = await startTestServer({ apps: ['example-ivr'], admission: REFUSING });
    const ok = await startTestServer({ apps: ['example-ivr'] });
    await untilRefusing(refusing);
    const proxy = await startKamailio({ instances: [refusing.sip.port, ok.sip.port], probeIntervalS: 1 });
    try {
      // The dispatcher probes every second and logs the instance down (event_route[dispatcher:dst-down]).
      await proxy.waitForLog(new RegExp(`dispatcher: sip:127\\.0\\.0\\.1:${refusing.sip.port} is down`), 10_000);
      const callers = await startSipp({
        scenario: { file: scenario('drain-caller-bye-uac.xml') },
        remote: `127.0.0.1:${proxy.port}`,
        service: '35',
        calls: 4,
        rate: 10,
        limit: 4,
        timeoutSec: 40,
      });
      const res = await callers.done;
      assert.equal(res.code, 0, `every caller connected: ${res.errors.slice(0, 2000)}`);
      assert.equal(refusing.admission.snapshot.refused, 0, 'no INVITE reached the instance out of rotation');
      await waitForIdle(ok);
      assert.equal(inbound(ok).length, 4);
    } finally {
      await proxy.stop();
      await refusing.stop();
      await ok.stop();
    }
  });
});
