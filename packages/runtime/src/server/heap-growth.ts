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
 * The main thread's V8 semi-space limit, MB (its young generation is about three of them). V8's default, 16 MB on
 * 64-bit, lets the young generation reach ≈ 48 MB under quizconnect's call rates; 4 MB takes ≈ 25 MB off the RSS at
 * 300 bridged calls with the same calls/s (docs/benchmarks.md). Smaller costs calls/s: short-lived call-setup
 * objects get promoted and the old space collects more often (2 MB and 1 MB lost a third of the rate). V8 reads it
 * only when the heap is set up, so it cannot be set at run time like the growth: it is a node argument, which
 * `npm run app`, `npm start` and the systemd unit in docs/deploy.md pass.
 */
export const MAIN_SEMI_SPACE_MB = 4;

/** The node arguments the server's own start commands pass (MAIN_SEMI_SPACE_MB). */
export const MAIN_NODE_ARGS: readonly string[] = [`--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`];

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
