import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import { IdleHeapTrim, lowMemoryCollection } from '../../src/util/idle-heap-trim.js';

const MB = 1024 * 1024;

/** An IdleHeapTrim on a fake clock, leg count and heap (64 MB at start); `collect` shrinks the heap to `liveMB`. */
function rig(o: { minIntervalMs?: number; quietMs?: number } = {}) {
  const state = { legs: 0, now: 0, heap: 64 * MB, liveMB: 30, collections: 0 };
  const trim = new IdleHeapTrim({
    activeLegs: () => state.legs,
    now: () => state.now,
    heapBytes: () => state.heap,
    collect: async () => {
      state.collections++;
      state.now += 150; // the collection's pause
      state.heap = state.liveMB * MB;
    },
    minIntervalMs: o.minIntervalMs ?? 30_000,
    quietMs: o.quietMs ?? 100,
  });
  const at = (seconds: number, legs: number, heapMB: number) => {
    state.now = seconds * 1000;
    state.legs = legs;
    state.heap = heapMB * MB;
    return trim.trimIfIdle();
  };
  return { trim, state, at };
}

test('with no leg left, a heap grown past 1.5x its start is compacted once; with legs up it is not', async () => {
  const { trim, state, at } = rig();
  assert.equal(await at(1, 600, 160), false, 'calls are up');
  assert.equal(await at(2, 0, 90), false, 'no call, but 90 MB is not 1.5 x the 64 MB at start');
  assert.equal(await at(3, 0, 160), true);
  assert.deepEqual(trim.stats, { trims: 1, lastPauseMs: 150, lastHeapBeforeBytes: 160 * MB, lastHeapAfterBytes: 30 * MB });
  assert.equal(state.collections, 1);
});

test('at most one trim per minIntervalMs, and the next one needs the heap grown past what the last one left', async () => {
  const { state, at } = rig();
  assert.equal(await at(0, 0, 160), true); // leaves 30 MB
  assert.equal(await at(10, 0, 160), false, 'within 30 s of the last trim');
  assert.equal(await at(40, 0, 60), false, 'under the 64 MB floor, though 2 x what the last trim left');
  assert.equal(await at(41, 0, 70), true, 'over 64 MB and over 1.5 x 30 MB');
  assert.equal(state.collections, 2);
});

test("a leg's end schedules a trim only when it was the last, after the quiet time, and not if a call came meanwhile", async () => {
  const { trim, state } = rig({ quietMs: 20 });
  state.heap = 160 * MB;
  state.legs = 1;
  trim.legEnded(); // another leg is still up
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(state.collections, 0);
  state.legs = 0;
  trim.legEnded();
  state.legs = 1; // a new call within the quiet time
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(state.collections, 0, 'a call came before the quiet time was over');
  state.legs = 0;
  trim.legEnded();
  trim.legEnded(); // the last two legs of a call end together: one trim
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(state.collections, 1);
  trim.stop();
  state.now += 60_000;
  state.heap = 160 * MB;
  trim.legEnded();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(state.collections, 1, 'stopped');
});

test('a collection that cannot be asked for is logged once, and trimming stops', async () => {
  const warnings: string[] = [];
  const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => undefined } as unknown as Logger;
  let calls = 0;
  let heap = 64 * MB;
  const trim = new IdleHeapTrim({
    activeLegs: () => 0,
    heapBytes: () => heap,
    collect: async () => {
      calls++;
      throw new Error('ERR_INSPECTOR_NOT_AVAILABLE');
    },
    minIntervalMs: 0,
    logger,
  });
  heap = 200 * MB;
  assert.equal(await trim.trimIfIdle(), false);
  assert.equal(await trim.trimIfIdle(), false);
  assert.equal(calls, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /heap trim/);
});

/** 40,000 small arrays, of which only every 16th is returned (and so stays alive). */
function fragmentedHeap(): number[][] {
  const all: number[][] = [];
  for (let i = 0; i < 40_000; i++) all.push(new Array<number>(200).fill(i));
  return all.filter((_, i) => i % 16 === 0);
}

test("V8's low-memory collection gives back the pages of a fragmented heap (this process's own heap)", async () => {
  // Every 16th of 40,000 small arrays stays alive: the old space is full of pages holding one live object each.
  const kept = fragmentedHeap();
  const before = getHeapStatistics().total_heap_size;
  await lowMemoryCollection();
  const after = getHeapStatistics().total_heap_size;
  assert.equal(kept.length, 2500);
  assert.ok(after < before * 0.75, `committed heap ${(before / MB).toFixed(1)} → ${(after / MB).toFixed(1)} MB`);
});
