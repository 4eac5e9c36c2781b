/**
 * sipflow behind Kamailio (deploy/kamailio/kamailio.cfg, the real proxy) on loopback: two example-ivr instances
 * behind the dispatcher, sipp callers that honour Record-Route ([routes] in ACK and BYE). Calls are spread round
 * robin; BYE from the caller and from the server both travel the record-routed path; an instance that answers
 * INVITE 503 has its calls retried on the other before the caller sees an error; an instance whose OPTIONS answer
 * is 503 (draining, no headroom) is taken out of rotation by the dispatcher's probe. By load (DS_ALG 10), each new
 * call goes to the instance with the fewest calls in progress, and a call's count is released by its BYE from
 * either end, by its refusal and by the caller's CANCEL.
 */
// Media engine: one pass only — the subject is routing through the proxy, which carries signalling only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { withDeadline } from '../support/deadline.js';
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

const ALGORITHMS = { 4: 'round robin', 10: 'by load' } as const;

/** Four callers through the proxy at 10/s, each holding its call 3 s and then hanging up. */
const fourCallers = (proxy: { port: number }) =>
  startSipp({
    scenario: { file: scenario('drain-caller-bye-uac.xml') },
    remote: `127.0.0.1:${proxy.port}`,
    service: '35',
    calls: 4,
    rate: 10,
    limit: 4,
    timeoutSec: 40,
  });

const inbound = (s: RunningServer) => s.registry.list({ ended: true }).filter((r) => r.direction === 'inbound');

describe('sipflow behind Kamailio (dispatcher, record-route)', () => {
  it('spreads calls round robin; the caller BYEs through the proxy; a draining instance BYEs its call through the proxy', async () => {
    const a = await startTestServer({ apps: ['example-ivr'] });
    const b = await startTestServer({ apps: ['example-ivr'] });
    const proxy = await startKamailio({ instances: [a.sip.port, b.sip.port], probeIntervalS: 30 });
    try {
      const callers = await fourCallers(proxy);
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

  for (const algorithm of [4, 10] as const) {
    it(`an instance answering INVITE 503 has its calls tried on the other; the caller never sees the 503 (${ALGORITHMS[algorithm]})`, async () => {
      const refusing = await startTestServer({ apps: ['example-ivr'], admission: REFUSING });
      const ok = await startTestServer({ apps: ['example-ivr'] });
      await untilRefusing(refusing);
      // A long probe interval: the dispatcher still sends INVITEs to the refusing instance, and must fail over (by
      // load: with the call's count moved to the next instance).
      const proxy = await startKamailio({ instances: [refusing.sip.port, ok.sip.port], probeIntervalS: 60, algorithm });
      try {
        const callers = await fourCallers(proxy);
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
  }

  it("an instance answering OPTIONS 503 leaves rotation at the dispatcher's next probe: no INVITE goes to it", async () => {
    const refusing = await startTestServer({ apps: ['example-ivr'], admission: REFUSING });
    const ok = await startTestServer({ apps: ['example-ivr'] });
    await untilRefusing(refusing);
    const proxy = await startKamailio({ instances: [refusing.sip.port, ok.sip.port], probeIntervalS: 1 });
    try {
      // The dispatcher probes every second and logs the instance down (event_route[dispatcher:dst-down]).
      await proxy.waitForLog(new RegExp(`dispatcher: sip:127\\.0\\.0\\.1:${refusing.sip.port} is down`), 10_000);
      const callers = await fourCallers(proxy);
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
  it('by load (DS_ALG 10): each call goes to the instance with the fewest calls up; BYE from either end and a refusal release it', async () => {
    // The IVR hangs up a call with no key pressed after digit_timeout: the server's BYE of the first call.
    const config = { sets: [{ key: 'digit_timeout', value: '15' }] };
    // Each server's log, to see where the refused call went (a call refused before its flow starts has no record).
    const logs = new Map<RunningServer, string[]>();
    const server = async () => {
      const lines: string[] = [];
      const s = await startTestServer({
        apps: ['example-ivr'],
        config,
        logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }),
      });
      logs.set(s, lines);
      return s;
    };
    const servers = [await server(), await server()];
    const refused = (s: RunningServer) => logs.get(s)!.filter((l) => l.includes('SDP offer refused')).length;
    const proxy = await startKamailio({ instances: servers.map((s) => s.sip.port), probeIntervalS: 30, algorithm: 10 });
    const call = (file: string) =>
      startSipp({ scenario: { file: scenario(file) }, remote: `127.0.0.1:${proxy.port}`, service: '35', timeoutSec: 40 });
    const completed = async (file: string) => {
      const res = await (await call(file)).done;
      assert.equal(res.code, 0, `${file} through the proxy: ${res.errors.slice(0, 2000)}\n${proxy.log().slice(-1500)}`);
    };
    try {
      // Both idle: a tie, which the dispatcher breaks the same way every time; call that instance `busy`. busy 1, idle 0.
      const held = await call('flow-wait-bye-uac.xml');
      const busy = await Promise.race(servers.map((s) => waitForRecord(s, (r) => r.direction === 'inbound').then(() => s)));
      const idle = servers.find((s) => s !== busy)!;
      const placed = () => `busy: ${inbound(busy).length}, idle: ${inbound(idle).length}`;
      // To the less loaded, refused there (no common codec): its count is released. busy 1, idle 0.
      await completed('dispatch-488-uac.xml');
      assert.equal(refused(idle), 1, `the refused call went to the less loaded instance (refused: busy ${refused(busy)}, idle ${refused(idle)})`);
      // Round robin would send this one to `busy`; by load it goes to `idle` again, and its caller's BYE releases
      // the count, so the next one goes there too.
      await completed('drain-caller-bye-uac.xml');
      await completed('drain-caller-bye-uac.xml');
      assert.equal(inbound(idle).length, 2, `calls went to the other instance while one had a call up (${placed()})`);
      assert.equal(inbound(busy).length, 1, placed());
      // The IVR hangs up its call: the server's BYE, through the proxy, releases busy's count.
      const h = await held.done;
      assert.equal(h.code, 0, `the server's BYE reached the caller through the proxy: ${h.errors.slice(0, 2000)}`);
      // Both idle again: the tie goes the same way as the first call (had busy's count stayed, the other would get it).
      await completed('drain-caller-bye-uac.xml');
      assert.equal(inbound(busy).length, 2, `the instance whose call ended got the next call (${placed()})`);
      assert.equal(inbound(idle).length, 2, placed());
      assert.equal(refused(busy), 0);
    } finally {
      await proxy.stop();
      for (const s of servers) await s.stop();
    }
  });
  it('by load (DS_ALG 10): a call the caller cancels while it rings releases its count', async () => {
    // Two "instances" that ring and never answer (sipp UASes, two calls each). Both idle: the first call goes to one
    // of them; the caller cancels it. Released, both are idle again and the second call goes to the same one, which
    // then has its two calls and exits; had the count stayed, the second call would go to the other and neither
    // would reach its two calls.
    const ringers = [
      await startSipp({ scenario: { file: fileURLToPath(new URL('./scenarios/flow-ring-uas.xml', import.meta.url)) }, calls: 2, timeoutSec: 40 }),
      await startSipp({ scenario: { file: fileURLToPath(new URL('./scenarios/flow-ring-uas.xml', import.meta.url)) }, calls: 2, timeoutSec: 40 }),
    ];
    const proxy = await startKamailio({ instances: ringers.map((r) => r.port), probeIntervalS: 30, algorithm: 10 });
    try {
      for (let i = 0; i < 2; i++) {
        const caller = await startSipp({
          scenario: { file: scenario('flow-cancel-uac.xml') },
          remote: `127.0.0.1:${proxy.port}`,
          service: '35',
          timeoutSec: 20,
        });
        const res = await caller.done;
        assert.equal(res.code, 0, `call ${i + 1}: CANCEL → 487 through the proxy: ${res.errors.slice(0, 2000)}\n${proxy.log().slice(-1500)}`);
      }
      const first = await withDeadline(
        Promise.race(ringers.map((r, i) => r.done.then((res) => ({ i, res })))),
        15_000,
        'one ringer to have both calls (the cancelled call released its count)',
      );
      assert.equal(first.res.code, 0, `the ringer that took both calls ended cleanly: ${first.res.errors.slice(0, 2000)}`);
    } finally {
      await proxy.stop();
      for (const r of ringers) r.kill();
      await Promise.all(ringers.map((r) => r.done));
    }
  });
});
