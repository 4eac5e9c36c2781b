/** A forced full GC for heap measurements, without needing `node --expose-gc` on the command line. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

export function forceGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  // Twice: the first pass can leave weakly held objects for the second.
  gcFn();
  gcFn();
}

/** heapUsed after a full GC, bytes. */
export function settledHeap(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}
