import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATENESS_BUCKETS_MS, MediaEngine, MediaClock, MediaError } from '../../src/media/index.js';
import { freeMediaPortPair } from '../../../../test/support/ports.js';
import { logger, testEngine } from './loopback-helpers.js';

test('createStream allocates even RTP ports with RTCP on +1; NO_PORTS (503) when exhausted; close releases', async () => {
  const base = await freeMediaPortPair();
  const engine = await MediaEngine.create({ logger, portRange: [base, base + 3] });
  try {
    const a = await engine.createStream();
    const b = await engine.createStream();
    assert.deepEqual([a.localPort, b.localPort].sort(), [base, base + 2]);
    assert.ok(a.localPort % 2 === 0);
    assert.equal(engine.streamCount, 2);
    await assert.rejects(engine.createStream(), (err: unknown) => {
      assert.ok(err instanceof MediaError);
      assert.equal(err.code, 'NO_PORTS');
      assert.equal(err.sipStatus, 503);
      return true;
    });
    a.close();
    a.close(); // idempotent
    assert.equal(a.closed, true);
    assert.throws(() => a.answer('v=0'), { code: 'STREAM_CLOSED' });
    assert.equal(engine.streamCount, 1);
    const c = await engine.createStream(); // the released pair is reusable once its sockets closed
    assert.equal(c.localPort, a.localPort);
  } finally {
    await engine.close();
  }
  assert.equal(engine.streamCount, 0);
});

test('bad options → BAD_OPTIONS', async () => {
  await assert.rejects(MediaEngine.create({ logger, portRange: [20001, 20001] }), { code: 'BAD_OPTIONS' });
  await assert.rejects(MediaEngine.create({ logger, portRange: [80, 90] }), { code: 'BAD_OPTIONS' });
  await assert.rejects(MediaEngine.create({ logger, tickMs: 0 }), { code: 'BAD_OPTIONS' });
});

test('rooms: join/leave by name, one room at a time; closing leaves', async () => {
  const engine = await testEngine();
  try {
    const a = await engine.createStream();
    const b = await engine.createStream();
    a.join('x');
    b.join('x');
    b.join('y');
    assert.deepEqual(engine.roomMembers('x'), [a.id]);
    assert.deepEqual(engine.roomMembers('y'), [b.id]);
    assert.throws(() => a.join(''), { code: 'BAD_OPTIONS' });
    a.close();
    assert.deepEqual(engine.roomMembers('x'), []);
    assert.deepEqual(engine.rooms, ['y']);
  } finally {
    await engine.close();
  }
});

test('the clock is deadline-driven: ticks + skipped ticks follow wall time; a throwing tick does not stop it', async () => {
  let ticks = 0;
  let errors = 0;
  const clock = new MediaClock(
    () => {
      ticks++;
      if (ticks === 3) throw new Error('boom');
    },
    { tickMs: 10, onError: () => errors++ },
  );
  const t0 = performance.now();
  clock.start();
  const keepAlive = setInterval(() => {}, 1000); // the clock timer is unref'd
  await new Promise((r) => setTimeout(r, 1000));
  clock.stop();
  clearInterval(keepAlive);
  const elapsedTicks = (performance.now() - t0) / 10;
  const s = clock.stats;
  assert.equal(errors, 1);
  assert.equal(s.ticks, ticks);
  // Not a timing assertion on the machine: a deadline clock counts skipped ticks, so the sum tracks wall time.
  assert.ok(Math.abs(s.ticks + s.ticksMissed - elapsedTicks) <= 3, `${s.ticks}+${s.ticksMissed} vs ${elapsedTicks}`);
  assert.ok(s.latenessP50 <= s.latenessP99 && s.latenessP99 <= Math.max(s.latenessMax, 0.1) + 0.1);
  // The exported histogram is cumulative over LATENESS_BUCKETS_MS and ends with every tick (+Inf).
  assert.equal(s.latenessBuckets.length, LATENESS_BUCKETS_MS.length + 1);
  assert.equal(s.latenessBuckets.at(-1), s.ticks);
  assert.ok(
    s.latenessBuckets.every((n, i) => i === 0 || n >= s.latenessBuckets[i - 1]!),
    String(s.latenessBuckets),
  );
  assert.ok(s.latenessSumMs >= 0 && s.latenessSumMs <= s.ticks * Math.max(s.latenessMax, 0.1) + 0.1);
  assert.equal(clock.overloaded, false); // stopped
});

test('a clock stopped while busy does not stay busy: the engine reports full headroom without streams, a restart starts a fresh window', async () => {
  let busy = true;
  const clock = new MediaClock(
    () => {
      const end = performance.now() + (busy ? 18 : 0);
      while (performance.now() < end);
    },
    { tickMs: 20 },
  );
  clock.start();
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const deadline = Date.now() + 10_000;
    while (clock.recentBusyShare() < 0.8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(clock.recentBusyShare() >= 0.8);
    clock.stop();
    busy = false;
    clock.start();
    assert.equal(clock.recentBusyShare(), 0, 'the old run is not in the new window');
  } finally {
    clock.stop();
    clearInterval(keepAlive);
  }
  const engine = await MediaEngine.create({ logger });
  assert.deepEqual(engine.load, { busyShare: 0, latenessP90Ms: 0 }, 'no streams, no clock: all headroom');
  await engine.close();
});

test('runIfDue runs a due tick at once (inside a burst of I/O), never one not yet due, never inside a tick, and the timer does not run it again', async () => {
  const ticks: number[] = [];
  let started = 0;
  const clock: MediaClock = new MediaClock(
    (now) => {
      ticks.push(now);
      if (ticks.length === 1) {
        // A long tick whose sends reach the packet path again, past the next deadline: no tick inside this one.
        while (performance.now() - started < 45);
        clock.runIfDue();
        assert.equal(ticks.length, 1, 'a tick started inside a tick');
      }
    },
    { tickMs: 20 },
  );
  const keepAlive = setInterval(() => {}, 1000);
  try {
    clock.runIfDue(); // a stopped clock: nothing
    assert.equal(ticks.length, 0);
    clock.start();
    started = performance.now();
    clock.runIfDue();
    assert.equal(ticks.length, 0, 'tick 1 is not due until 20 ms after the start');
    // The loop is held past tick 1's deadline, as by a batch of datagrams: the packet path runs the tick itself.
    while (performance.now() - started < 25);
    clock.runIfDue();
    assert.equal(ticks.length, 1);
    assert.ok(ticks[0]! - started >= 20);
    clock.runIfDue(); // tick 2 was due at 40 ms, and tick 1 ran until 45
    assert.equal(ticks.length, 2);
    clock.runIfDue();
    assert.equal(ticks.length, 2, 'tick 3 is due 60 ms after the start, not now');
    // The timer armed for tick 3 runs it once; the timers of ticks 1 and 2 were cleared.
    await new Promise<void>((resolve) => {
      const wait = setInterval(() => {
        if (ticks.length >= 3) {
          clearInterval(wait);
          resolve();
        }
      }, 1);
    });
    // Due at 60 ms; node's timers may fire up to a millisecond early (their clock is the loop's, in whole ms). A
    // timer of tick 2 left armed would have run it at ≈ 46 ms.
    assert.ok(ticks[2]! - started >= 55, `tick 3 at ${ticks[2]! - started} ms`);
    clock.stop();
    assert.equal(clock.stats.ticks, ticks.length);
    assert.equal(clock.stats.ticksMissed, 0);
  } finally {
    clock.stop();
    clearInterval(keepAlive);
  }
});

test('overloaded when the tick work eats the tick', async () => {
  let ticks = 0;
  const clock = new MediaClock(
    () => {
      ticks++;
      const end = performance.now() + 18; // 90 % of a 20 ms tick
      while (performance.now() < end);
    },
    { tickMs: 20 },
  );
  clock.start();
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const deadline = Date.now() + 10_000;
    while (!clock.overloaded && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(clock.overloaded, true);
    assert.ok(ticks > 0);
  } finally {
    clock.stop();
    clearInterval(keepAlive);
  }
});

test('play() of a missing file rejects PROMPT_UNREADABLE naming it, and queues nothing', async () => {
  const engine = await testEngine();
  try {
    const s = await engine.createStream();
    await assert.rejects(s.play('/nonexistent/welcome.wav'), (err: unknown) => {
      assert.ok(err instanceof MediaError);
      assert.equal(err.code, 'PROMPT_UNREADABLE');
      assert.equal(err.file, '/nonexistent/welcome.wav');
      assert.match(err.message, /\/nonexistent\/welcome\.wav/);
      return true;
    });
    assert.equal(s.playing, false);
    s.close();
    await assert.rejects(s.play('/nonexistent/welcome.wav'), { code: 'STREAM_CLOSED' });
  } finally {
    await engine.close();
  }
});
