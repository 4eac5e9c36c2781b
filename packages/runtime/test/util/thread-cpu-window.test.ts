import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThreadCpuWindow } from '../../src/util/thread-cpu-window.js';

/** A thread whose CPU time and clock the test moves. */
function fakeThread() {
  const t = { cpu: 0, now: 0 };
  const window = new ThreadCpuWindow(
    1000,
    () => t.cpu,
    () => t.now,
  );
  /** `ms` of wall time, `share` of it on a CPU, then a sample. */
  const run = (ms: number, share: number) => {
    t.now += ms;
    t.cpu += ms * share;
    return window.sample();
  };
  return { window, run };
}

test('the share of a core the thread spent since the oldest read inside the window', () => {
  const { window, run } = fakeThread();
  assert.equal(window.sample(), 0, 'one read: nothing to compare yet');
  assert.equal(run(100, 0.5), 0.5);
  assert.equal(run(100, 1), 0.75, 'two reads of 100 ms each: (50 + 100) / 200');
});

test('the window slides: a busy second is forgotten one second later', () => {
  const { window, run } = fakeThread();
  window.sample();
  for (let i = 0; i < 10; i++) run(100, 1);
  assert.equal(run(0, 0), 1);
  let share = 1;
  for (let i = 0; i < 10; i++) share = run(100, 0.2);
  assert.ok(Math.abs(share - 0.2) < 1e-9, `after a second at 0.2 the share is 0.2, not ${share}`);
});

test('where the CPU time cannot be read (no /proc), the share is 0', () => {
  const window = new ThreadCpuWindow(
    1000,
    () => undefined,
    () => 0,
  );
  assert.equal(window.sample(), 0);
  assert.equal(window.sample(), 0);
});

test("the real thread's CPU time: a busy loop reads near one core", () => {
  const window = new ThreadCpuWindow(1000);
  window.sample();
  const until = performance.now() + 120;
  while (performance.now() < until) {
    // spin
  }
  const share = window.sample();
  if (process.platform === 'linux') assert.ok(share > 0.1 && share <= 1.05, `a spinning thread reads ${share}`);
  else assert.equal(share, 0);
});
