import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaLoad } from '../../src/media/media-types.js';
import { AdmissionControl, type SignallingSample } from '../../src/server/admission.js';

const IDLE: SignallingSample = { elu: 0.1, cpu: 0.1 };

/** `n` samples; four fill the default window (1 s at 250 ms), twenty the saturation window (5 s). */
function samples(admission: AdmissionControl, main: SignallingSample = IDLE, n = 4): void {
  for (let i = 0; i < n; i++) admission.sample(main);
}

test('a media clock late (p90) over a whole window lacks headroom, though its tick share is low; a whole window under ends it', () => {
  let loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 14 }];
  const admission = new AdmissionControl(() => loads);
  samples(admission);
  assert.equal(admission.snapshot.reason, 'media');
  assert.equal(admission.refuse(), 'media');
  assert.equal(admission.snapshot.refused, 1);
  loads = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  admission.sample(IDLE);
  assert.equal(admission.snapshot.refusing, true, 'one good sample does not end it');
  samples(admission);
  assert.equal(admission.snapshot.refusing, false);
  assert.equal(admission.refuse(), undefined);
});

test('one late or busy sample (a burst) refuses nothing', () => {
  let loads: MediaLoad[] = [{ busyShare: 0.2, latenessP90Ms: 1 }];
  const admission = new AdmissionControl(() => loads);
  samples(admission);
  loads = [{ busyShare: 0.95, latenessP90Ms: 30 }];
  admission.sample({ elu: 1, cpu: 0.99 });
  loads = [{ busyShare: 0.2, latenessP90Ms: 1 }];
  samples(admission, IDLE, 3);
  assert.equal(admission.snapshot.refusing, false);
});

test('a worker with headroom left keeps admitting (a new call goes to the least loaded one)', () => {
  const loads: MediaLoad[] = [
    { busyShare: 0.9, latenessP90Ms: 15 },
    { busyShare: 0.2, latenessP90Ms: 1 },
  ];
  const admission = new AdmissionControl(() => loads);
  samples(admission);
  assert.equal(admission.snapshot.refusing, false);
  assert.equal(admission.snapshot.mediaBusyShare, 0.2);
});

test('a worker whose thread is on a CPU all the time lacks headroom though its ticks are light and on time (its relays run outside them)', () => {
  let loads: MediaLoad[] = [{ busyShare: 0.1, latenessP90Ms: 1, cpuShare: 0.97 }];
  const admission = new AdmissionControl(() => loads);
  samples(admission, IDLE, 3);
  assert.equal(admission.snapshot.refusing, false, 'not before a whole window');
  admission.sample(IDLE);
  assert.equal(admission.snapshot.reason, 'media');
  assert.equal(admission.snapshot.mediaCpuShare, 0.97);
  // A second worker with CPU to spare takes the new calls.
  loads = [loads[0]!, { busyShare: 0.1, latenessP90Ms: 1, cpuShare: 0.4 }];
  samples(admission);
  assert.equal(admission.snapshot.refusing, false);
  assert.equal(admission.snapshot.mediaCpuShare, 0.4, 'the least busy worker');
  // The limit is an option; the in-thread engine reports no share (the signalling rule judges its thread).
  const strict = new AdmissionControl(() => [{ busyShare: 0.1, latenessP90Ms: 1, cpuShare: 0.6 }], { mediaCpuMax: 0.5 });
  samples(strict);
  assert.equal(strict.snapshot.reason, 'media');
  const inThread = new AdmissionControl(() => [{ busyShare: 0.1, latenessP90Ms: 1 }]);
  samples(inThread);
  assert.equal(inThread.snapshot.refusing, false);
  assert.equal(inThread.snapshot.mediaCpuShare, 0);
});

test("the signalling thread's own work over 0.8 of a core for a whole window refuses with its own reason", () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads);
  samples(admission, { elu: 0.9, cpu: 0.75 });
  assert.equal(admission.snapshot.refusing, false, 'below signallingCpuMax (0.8)');
  samples(admission, { elu: 0.95, cpu: 0.85 });
  assert.equal(admission.snapshot.reason, 'signalling');
  assert.equal(admission.snapshot.signallingElu, 0.95);
  assert.equal(admission.snapshot.signallingCpu, 0.85);
});

test('a loop saturated while its thread waits for a CPU refuses once it has lasted the saturation window with a peer resending', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads);
  const waiting: SignallingSample = { elu: 1, cpu: 0.4 };
  // 4.75 s of it with a peer resending, broken by one sample with an idle moment, then 4.75 s more: bursts that pass.
  admission.sample({ ...waiting, resends: 1 });
  samples(admission, waiting, 18);
  admission.sample({ elu: 0.9, cpu: 0.4 });
  admission.sample({ ...waiting, resends: 1 });
  samples(admission, waiting, 18);
  assert.equal(admission.snapshot.refusing, false);
  admission.sample(waiting);
  assert.equal(admission.snapshot.reason, 'signalling', '5 s without an idle moment, and a peer resent a request in them');
  samples(admission, { elu: 0.9, cpu: 0.4 }, 3);
  assert.equal(admission.snapshot.refusing, true, 'the hysteresis: less than a whole window under');
  admission.sample({ elu: 0.9, cpu: 0.4 });
  assert.equal(admission.snapshot.refusing, false);
});

test('a saturated loop whose answers reach the peers in time refuses only after the longer window', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads);
  const waiting: SignallingSample = { elu: 1, cpu: 0.4 };
  // 14.75 s saturated, no peer resent anything (the 2026-12-07 runs: all calls answered in time).
  samples(admission, waiting, 59);
  assert.equal(admission.snapshot.refusing, false, 'saturated, but nobody waited past T1');
  // A resend before the saturated 5 s (here while the loop still had idle moments) does not count.
  const old = new AdmissionControl(() => loads);
  old.sample({ elu: 0.9, cpu: 0.4, resends: 3 });
  samples(old, waiting, 20);
  assert.equal(old.snapshot.refusing, false, 'the resend came 5.25 s ago');
  old.sample({ ...waiting, resends: 1 });
  assert.equal(old.snapshot.reason, 'signalling', 'one inside the saturated 5 s does');
  // 15 s saturated: refused whatever the peers do (over TCP they never resend).
  admission.sample(waiting);
  assert.equal(admission.snapshot.reason, 'signalling');
});

test('a few requests resent in a busy saturated window are a burst; a share of them is lateness', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  // 100 calls/s: ≈ 50 requests other than ACK per 250 ms sample (each call's INVITE and BYE). Run H of 2026-12-07:
  // 4 resends in 10 s at 104 calls/s refused 303 calls.
  const burst = new AdmissionControl(() => loads);
  burst.sample({ elu: 1, cpu: 0.4, resends: 4, requests: 50 });
  samples(burst, { elu: 1, cpu: 0.4, requests: 50 }, 19);
  assert.equal(burst.snapshot.refusing, false, '4 of 1,000 requests resent (0.4 %): not what the phones live through');
  // The same saturated loop, with 1 in 50 of the requests resent over the 5 s.
  const late = new AdmissionControl(() => loads);
  samples(late, { elu: 1, cpu: 0.4, resends: 1, requests: 50 }, 19);
  assert.equal(late.snapshot.refusing, false, '19 of 950 (2 %), but not yet 5 s saturated');
  late.sample({ elu: 1, cpu: 0.4, resends: 1, requests: 50 });
  assert.equal(late.snapshot.reason, 'signalling', '20 of 1,000 (2 %) through 5 s saturated');
  // The share is an option.
  const strict = new AdmissionControl(() => loads, { signallingResendShareMin: 0.001 });
  strict.sample({ elu: 1, cpu: 0.4, resends: 4, requests: 50 });
  samples(strict, { elu: 1, cpu: 0.4, requests: 50 }, 19);
  assert.equal(strict.snapshot.reason, 'signalling', 'with 0.1 %, 0.4 % is enough');
});

test("the peers' requests and resends are read from the SIP stack's counters, per sample", async () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  let resends = 10;
  let requests = 1000;
  const admission = new AdmissionControl(
    () => loads,
    { sampleMs: 20, signallingSaturationMs: 100, signallingSaturationElu: -1 },
    () => ({ requests, resends }),
  );
  admission.start();
  try {
    // Saturated by the -1 threshold: only the resends decide. The counter stood at 10 before start: that is not news.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(admission.snapshot.refusing, false, 'no resend since start');
    requests = 1400;
    resends = 11;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(admission.snapshot.refusing, false, '1 resend among 400 requests (0.25 %)');
    requests = 1420;
    resends = 21;
    const until = Date.now() + 2000;
    while (!admission.snapshot.refusing && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(admission.snapshot.reason, 'signalling', '10 of the 20 requests since resent, the loop saturated');
  } finally {
    admission.stop();
  }
});

test('the saturation windows and the CPU limit are options', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads, { signallingSaturationMs: 1000, signallingCpuMax: 0.5 });
  admission.sample({ elu: 1, cpu: 0.4, resends: 1 });
  samples(admission, { elu: 1, cpu: 0.4 }, 3);
  assert.equal(admission.snapshot.reason, 'signalling');
  const alone = new AdmissionControl(() => loads, { signallingSaturationAloneMs: 2000 });
  samples(alone, { elu: 1, cpu: 0.4 }, 19);
  assert.equal(alone.snapshot.refusing, false, 'the alone window is never shorter than the saturation window (5 s)');
  samples(alone, { elu: 1, cpu: 0.4 }, 1);
  assert.equal(alone.snapshot.reason, 'signalling');
  const busy = new AdmissionControl(() => loads, { signallingSaturationMs: 60_000, signallingCpuMax: 0.5 });
  samples(busy, { elu: 0.7, cpu: 0.6 });
  assert.equal(busy.snapshot.reason, 'signalling');
});

test("the timer's samples read the main thread's loop utilisation and CPU share", async () => {
  const admission = new AdmissionControl(() => [], { sampleMs: 50 });
  admission.start();
  const until = Date.now() + 120;
  while (Date.now() < until); // busy: CPU and loop alike
  // The sample overdue since 50 ms runs first in the timers phase (it expired before this timeout): it covers the busy time.
  await new Promise((r) => setTimeout(r, 0));
  admission.stop();
  const { signallingElu, signallingCpu } = admission.snapshot;
  assert.ok(signallingElu > 0.5, `utilisation measured (${signallingElu})`);
  assert.ok(signallingCpu > 0.3 && signallingCpu <= 1.2, `CPU share measured (${signallingCpu})`);
});
