import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaLoad } from '../../src/media/media-types.js';
import { AdmissionControl } from '../../src/server/admission.js';

/** Four samples fill the default window (1 s at 250 ms). */
function window(admission: AdmissionControl, elu = 0.1): void {
  for (let i = 0; i < 4; i++) admission.sample(elu);
}

test('a media clock late (p90) over a whole window lacks headroom, though its tick share is low; a whole window under ends it', () => {
  let loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 14 }];
  const admission = new AdmissionControl(() => loads);
  window(admission);
  assert.equal(admission.snapshot.reason, 'media');
  assert.equal(admission.refuse(), 'media');
  assert.equal(admission.snapshot.refused, 1);
  loads = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  admission.sample(0.1);
  assert.equal(admission.snapshot.refusing, true, 'one good sample does not end it');
  window(admission);
  assert.equal(admission.snapshot.refusing, false);
  assert.equal(admission.refuse(), undefined);
});

test('one late or busy sample (a burst) refuses nothing', () => {
  let loads: MediaLoad[] = [{ busyShare: 0.2, latenessP90Ms: 1 }];
  const admission = new AdmissionControl(() => loads);
  window(admission);
  loads = [{ busyShare: 0.95, latenessP90Ms: 30 }];
  admission.sample(0.99);
  loads = [{ busyShare: 0.2, latenessP90Ms: 1 }];
  for (let i = 0; i < 3; i++) admission.sample(0.1);
  assert.equal(admission.snapshot.refusing, false);
});

test('a worker with headroom left keeps admitting (a new call goes to the least loaded one)', () => {
  const loads: MediaLoad[] = [
    { busyShare: 0.9, latenessP90Ms: 15 },
    { busyShare: 0.2, latenessP90Ms: 1 },
  ];
  const admission = new AdmissionControl(() => loads);
  window(admission);
  assert.equal(admission.snapshot.refusing, false);
  assert.equal(admission.snapshot.mediaBusyShare, 0.2);
});

test('the signalling thread busy over a whole window refuses with its own reason', () => {
  const loads: MediaLoad[] = [{ busyShare: 0.3, latenessP90Ms: 2 }];
  const admission = new AdmissionControl(() => loads);
  window(admission, 0.85);
  assert.equal(admission.snapshot.refusing, false, 'below signallingEluMax (0.9)');
  window(admission, 0.95);
  assert.equal(admission.snapshot.reason, 'signalling');
  assert.equal(admission.snapshot.signallingElu, 0.95);
});
