/**
 * A full garbage collection on demand, without `node --expose-gc` on the command line: for heap figures (benchmarks)
 * and for tests that check an object can be collected. The flag is set at run time and `gc` read from a fresh context.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** One full collection. */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** heapUsed after two full collections (the first can leave weakly held objects for the second), bytes. */
export function settledHeap(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
