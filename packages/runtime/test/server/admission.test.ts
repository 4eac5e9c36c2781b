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

test('a loop saturated while its thread waits for a CPU refuses only once it has lasted the saturation window', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads);
  const waiting: SignallingSample = { elu: 1, cpu: 0.4 };
  // 4.75 s of it, broken by one sample with an idle moment, then 4.75 s more: two bursts that pass.
  samples(admission, waiting, 19);
  admission.sample({ elu: 0.9, cpu: 0.4 });
  samples(admission, waiting, 19);
  assert.equal(admission.snapshot.refusing, false);
  admission.sample(waiting);
  assert.equal(admission.snapshot.reason, 'signalling', '5 s without an idle moment');
  samples(admission, { elu: 0.9, cpu: 0.4 }, 3);
  assert.equal(admission.snapshot.refusing, true, 'the hysteresis: less than a whole window under');
  admission.sample({ elu: 0.9, cpu: 0.4 });
  assert.equal(admission.snapshot.refusing, false);
});

test('the saturation window and the CPU limit are options', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads, { signallingSaturationMs: 1000, signallingCpuMax: 0.5 });
  samples(admission, { elu: 1, cpu: 0.4 });
  assert.equal(admission.snapshot.reason, 'signalling');
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
