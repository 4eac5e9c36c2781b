/**
 * CPU time of the calling thread (not the process): utime and stime from /proc/thread-self/stat, in ms (Linux;
 * zeros elsewhere). Node 20 has no per-thread CPU counter; the main thread and each media worker read their own.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

export function threadCpuMs(): { user: number; system: number } {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
  } catch {
    return { user: 0, system: 0 };
  }
}
