import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 may let the main heap grow past its live size before the next full collection, in percent.
 *
 * Left to itself, V8 picks a factor of up to 4x on a machine with gigabytes of memory, higher the busier the process
 * allocates: on quizconnect's real workload the main thread's heap kept growing step after step (≈ 280 MB after an
 * 80 calls/s step, for ≈ 60 MB live) and gave the memory back only once idle. 30 % keeps the old space near the live
 * set at the cost of more frequent (incremental, mostly concurrent) mark-compacts; figures in docs/benchmarks.md.
 */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Applies HEAP_GROWING_PERCENT to this process (the main thread and the media workers) unless node was started with
 * its own `--heap-growing-percent`. V8 reads the flag at every full collection, so setting it at run time takes
 * effect. Returns the value in force.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number | 'node flag' {
  const own = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
  if (own) return 'node flag';
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}
