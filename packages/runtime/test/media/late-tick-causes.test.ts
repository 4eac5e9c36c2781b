import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LateTickCauses } from '../../src/media/late-tick-causes.js';
import { MediaClock } from '../../src/media/media-clock.js';

/** A LateTickCauses on a fake clock and a fake run-queue counter. */
function fake() {
  let now = 0;
  let wait = 0;
  const causes = new LateTickCauses({ readWaitMs: () => wait, observeGc: false, now: () => now });
  causes.start();
  return {
    causes,
    /** Ticks every 20 ms on time up to `at`, the thread having waited `waitMs` for a CPU since the last. */
    tick(due: number, at: number, waitMs = 0) {
      wait += waitMs;
      now = at;
      causes.tickStarted(due, at);
    },
    later(ms: number) {
      now += ms;
    },
  };
}

test('a tick delayed while the thread waited for a CPU counts as cpu', () => {
  const f = fake();
  f.tick(20, 20.5);
  f.tick(40, 58, 15); // 18 ms late, 15 of them in a run queue
  f.later(100);
  assert.deepEqual(f.causes.counts, { cpu: 1, gc: 0, work: 0 });
});

test('a tick delayed by a collection counts as gc, even when the collection is reported after the tick', () => {
  const f = fake();
  f.tick(20, 20.5);
  f.tick(40, 55, 1); // 15 ms late
  f.causes.noteGc(38, 14); // 38–52: 12 ms of the delay
  f.later(100);
  assert.deepEqual(f.causes.counts, { cpu: 0, gc: 1, work: 0 });
});

test('a tick delayed by neither counts as the thread’s own work; on-time ticks are not counted', () => {
  const f = fake();
  f.tick(20, 20.5);
  f.tick(40, 41, 1);
  f.tick(60, 82, 2); // 22 ms late, 2 waiting, no collection
  f.causes.noteGc(10, 5); // before the delay: not its cause
  f.later(100);
  assert.deepEqual(f.causes.counts, { cpu: 0, gc: 0, work: 1 });
});

test('a late tick waits settleMs before it is classified (its collection may not be reported yet)', () => {
  const f = fake();
  f.tick(20, 20.5);
  f.tick(40, 60);
  assert.deepEqual(f.causes.counts, { cpu: 0, gc: 0, work: 0 });
  f.causes.noteGc(41, 18);
  f.later(60);
  assert.deepEqual(f.causes.counts, { cpu: 0, gc: 1, work: 0 });
  f.causes.reset();
  assert.deepEqual(f.causes.counts, { cpu: 0, gc: 0, work: 0 });
});

test('late ticks are classified as the clock goes, whether or not anyone reads the counts', () => {
  const f = fake();
  // An overloaded clock on a server nobody scrapes: every tick 15 ms late for a minute.
  for (let n = 1; n <= 3000; n++) f.tick(n * 20, n * 20 + 15, 15);
  assert.ok(f.causes.pending <= 4, `${f.causes.pending} late ticks kept`);
  f.later(100);
  assert.deepEqual(f.causes.counts, { cpu: 3000, gc: 0, work: 0 });
});

test('a real clock whose thread is held by a long task counts its late tick as work', async () => {
  let ticks = 0;
  let held = false;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  // The clock's timers do not hold the process open: this one does, until the ticks are done.
  const keepAlive = setInterval(() => undefined, 1000);
  const clock = new MediaClock(
    () => {
      ticks++;
      if (ticks === 3 && !held) {
        held = true;
        const until = performance.now() + 45; // the thread busy for two ticks and more
        while (performance.now() < until);
      }
      if (ticks === 8) done();
    },
    { lateTicks: new LateTickCauses({ settleMs: 0 }) },
  );
  clock.start();
  await finished;
  clock.stop();
  clearInterval(keepAlive);
  const late = clock.stats.lateTicks;
  assert.ok(late.work >= 1, `late ticks ${JSON.stringify(late)}`);
  assert.ok(clock.stats.ticksMissed >= 1);
});
