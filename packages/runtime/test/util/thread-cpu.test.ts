import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuPreciseMs, threadRunQueueWaitMs } from '../../src/util/thread-cpu.js';

const hasSchedstat = existsSync('/proc/thread-self/schedstat');

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('the calling thread’s CPU time grows by the time it spends on a CPU', { skip: !hasSchedstat && 'no schedstat' }, () => {
  const before = threadCpuPreciseMs()!;
  spin(30);
  const after = threadCpuPreciseMs()!;
  // A busy 30 ms on a shared machine: mostly on a CPU, never more than the wall time (plus /proc's rounding).
  assert.ok(after - before >= 10 && after - before <= 40, `${after - before} ms`);
});

test('the run-queue wait is read from the same file, and never goes back', { skip: !hasSchedstat && 'no schedstat' }, () => {
  const first = threadRunQueueWaitMs();
  assert.equal(typeof first, 'number');
  spin(5);
  const second = threadRunQueueWaitMs()!;
  assert.ok(second >= first!, `${first} then ${second}`);
});

test('each thread reads its own counters: a worker’s busy time is not the main thread’s', { skip: !hasSchedstat && 'no schedstat' }, async () => {
  // The worker imports the same module (its own instance, so its own kept-open file) and spins 60 ms. A worker
  // does not inherit tsx's loader: it registers it first.
  const url = new URL('../../src/util/thread-cpu.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api')
       .then(({ register }) => { register(); return import(${JSON.stringify(url)}); })
       .then(({ threadCpuPreciseMs }) => {
         const before = threadCpuPreciseMs();
         const until = performance.now() + 60;
         while (performance.now() < until);
         require('node:worker_threads').parentPort.postMessage(threadCpuPreciseMs() - before);
       });`,
    { eval: true },
  );
  const workerMs = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  // Read through the main thread's file, the worker would see the main thread (idle, awaiting it): near 0.
  assert.ok(workerMs >= 30, `the worker read ${workerMs} ms of its own 60 ms spin`);
  assert.ok(workerMs <= 75, `the worker read ${workerMs} ms: more than it spun`);
});
