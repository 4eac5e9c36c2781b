import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monotonicQuantiles } from '../../src/server/admin/prometheus.js';
import { MediaClock } from '../../src/media/media-clock.js';

test('/metrics quantiles never exceed the ones after them: a p99 above the max is brought down to it', () => {
  assert.deepEqual(monotonicQuantiles([0.7, 1.5, 1.48]), [0.7, 1.48, 1.48]);
  assert.deepEqual(monotonicQuantiles([3, 2, 1]), [1, 1, 1]);
  assert.deepEqual(monotonicQuantiles([0.5, 1, 2]), [0.5, 1, 2]);
});

test('media clock: the histogram p99 is never above the largest lateness seen', async () => {
  let ticked = 0;
  let done!: () => void;
  const twenty = new Promise<void>((r) => (done = r));
  const clock = new MediaClock(() => {
    if (++ticked === 20) done();
  });
  const keepAlive = setInterval(() => {}, 1000); // the clock's timer does not hold the process open
  clock.start();
  await twenty;
  clock.stop();
  clearInterval(keepAlive);
  const s = clock.stats;
  assert.ok(s.ticks > 5, `${s.ticks} ticks`);
  assert.ok(s.latenessP50 <= s.latenessP99 && s.latenessP99 <= s.latenessMax + 1e-9, JSON.stringify(s));
});
