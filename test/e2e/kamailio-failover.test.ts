/**
 * Failover under load with the real Kamailio (deploy/kamailio/kamailio.cfg) in front of three sipflow processes
 * (the CLI, each with its own SIP port, RTP range and admin API): sipp places 300 calls at 20 calls/s, each held 3 s
 * and ended by the caller's BYE through the record-routed path.
 * - SIGKILL one instance mid-load: the calls lost are at most those that were up on it (its admin API's count just
 *   before the kill); INVITEs sent to it afterwards time out and are failed over; the figures are printed.
 * - SIGTERM one instance mid-load: no call is lost, the instance drains, leaves rotation and exits 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withDeadline } from '../support/deadline.js';
import { startKamailio, type Kamailio } from '../support/kamailio.js';
import { startSipflowProcess, type SipflowProcess as Instance } from '../support/sipflow-process.js';
import { startSipp } from '../support/sipp.js';

const scenario = fileURLToPath(new URL('./scenarios/drain-caller-bye-uac.xml', import.meta.url));
const CALLS = 300;
const RATE = 20;

async function health(i: Instance): Promise<{ activeCalls: number }> {
  const res = await fetch(`http://127.0.0.1:${i.adminPort}/health`);
  return (await res.json()) as { activeCalls: number };
}

async function endedCalls(i: Instance): Promise<{ outcome: string }[]> {
  const res = await fetch(`http://127.0.0.1:${i.adminPort}/calls?ended=1`);
  const body = (await res.json()) as { calls: { outcome: string; endedAt?: string }[] };
  return body.calls;
}

async function withCluster(run: (instances: Instance[], proxy: Kamailio) => Promise<void>): Promise<void> {
  const instances = await Promise.all([0, 1, 2].map((i) => startSipflowProcess(i)));
  let proxy: Kamailio | undefined;
  try {
    proxy = await startKamailio({ instances: instances.map((i) => i.sipPort), probeIntervalS: 2 });
    await run(instances, proxy);
  } finally {
    await proxy?.stop();
    for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
    await withDeadline(Promise.all(instances.map((i) => i.exited)), 15_000, 'the SIGKILLed instances to exit');
  }
}

/** Resolves once `n` calls have been started through the proxy (sipp's count is not live: use the instances'). */
async function afterCalls(instances: Instance[], n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const counts = await Promise.all(instances.map(async (i) => (await endedCalls(i)).length));
    if (counts.reduce((a, b) => a + b, 0) >= n) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${n} calls after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What the proxy logged about the instances (down, up, failed over), for a failure message. */
const dispatcherLog = (proxy: Kamailio) =>
  proxy
    .log()
    .split('\n')
    .filter((l) => l.includes('dispatcher:'))
    .slice(-30)
    .join('\n');

/** The load: CALLS callers at RATE through the proxy. */
const callersThrough = (proxy: Kamailio) =>
  startSipp({
    scenario: { file: scenario },
    remote: `127.0.0.1:${proxy.port}`,
    service: '35',
    calls: CALLS,
    rate: RATE,
    limit: 200,
    timeoutSec: 120,
  });

describe('failover under load behind Kamailio (3 instances, 300 calls at 20/s)', () => {
  it('SIGKILL one instance mid-load: only its calls are lost, new calls fail over', async () => {
    await withCluster(async (instances, proxy) => {
      const callers = await callersThrough(proxy);
      await afterCalls(instances, 60);
      const victim = instances[1]!;
      const upOnVictim = (await health(victim)).activeCalls;
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      // Failover: the first INVITE sent to the dead instance times out (FR_TIMER), it is marked inactive, the call
      // goes to the next instance.
      const failoverMs = proxy.waitForLog(/did not answer, marked inactive/, 60_000).then(
        () => Date.now() - killedAt,
        () => NaN,
      );
      const res = await callers.done;
      const failed = Number(res.stats['FailedCall(C)'] ?? NaN);
      const ok = Number(res.stats['SuccessfulCall(C)'] ?? NaN);
      console.log(
        `# SIGKILL: ${ok} calls completed, ${failed} failed; ${upOnVictim} calls were up on the killed instance; marked inactive ${await failoverMs} ms after the kill`,
      );
      assert.equal(ok + failed, CALLS, `every call accounted for: ${JSON.stringify(res.stats)}`);
      assert.ok(Number.isFinite(await failoverMs), `the dead instance was marked inactive and its INVITE failed over:\n${dispatcherLog(proxy)}`);
      assert.ok(failed <= upOnVictim + 1, `lost ${failed} calls, ${upOnVictim} were on the killed instance:\n${res.errors.slice(0, 1500)}`);
      for (const i of [instances[0]!, instances[2]!]) {
        const calls = await endedCalls(i);
        assert.ok(calls.length > 0, 'the surviving instances took calls');
        assert.ok(
          calls.every((c) => c.outcome === 'completed'),
          `every call on a surviving instance completed: ${JSON.stringify(calls.filter((c) => c.outcome !== 'completed').slice(0, 3))}`,
        );
      }
    });
  });

  it('SIGTERM one instance mid-load: no call lost, it drains, leaves rotation and exits 0', async () => {
    await withCluster(async (instances, proxy) => {
      const callers = await callersThrough(proxy);
      await afterCalls(instances, 60);
      const victim = instances[1]!;
      victim.child.kill('SIGTERM');
      // The drain lasts at most --drain-timeout (30 s): past a minute the instance hangs, and the test says so.
      const [res, exit] = await Promise.all([
        callers.done,
        withDeadline(victim.exited, 60_000, () => `the SIGTERMed instance to drain and exit:\n${victim.log().slice(-2000)}`),
      ]);
      assert.deepEqual(exit, { code: 0, signal: null }, `the drained instance exits 0:\n${victim.log().slice(-2000)}`);
      assert.equal(
        res.stats['FailedCall(C)'],
        '0',
        `no call lost: ${JSON.stringify(res.stats)}\n${res.errors.slice(0, 1500)}\n${dispatcherLog(proxy)}`,
      );
      assert.equal(res.stats['SuccessfulCall(C)'], String(CALLS));
      assert.match(proxy.log(), new RegExp(`dispatcher: sip:127\\.0\\.0\\.1:${victim.sipPort} is down`), 'the probe took it out of rotation');
    });
  });
});
