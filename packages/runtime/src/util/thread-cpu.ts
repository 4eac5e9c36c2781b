/**
 * CPU time of the calling thread (not the process), from /proc/thread-self (Linux; nothing elsewhere). Node 20 has no
 * per-thread CPU counter; the main thread and each media worker read their own.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

function statCpuMs(): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** utime and stime from /proc/thread-self/stat, in ms (10 ms steps); zeros where there is no /proc. */
export function threadCpuMs(): { user: number; system: number } {
  return statCpuMs() ?? { user: 0, system: 0 };
}

/**
 * Reads the calling thread's time waiting for a CPU while runnable, in ms: the second field of
 * /proc/thread-self/schedstat (ns in a run queue). The file stays open (bound to the thread that opened it), so each
 * read is one pread (≈ 5 µs, against ≈ 27 µs to open and read it each time): cheap enough for every media tick.
 * Undefined where the kernel keeps no schedstat or there is no /proc.
 */
export function openRunQueueWait(): { readMs(): number | undefined; close(): void } | undefined {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
  const buf = Buffer.alloc(96);
  return {
    readMs() {
      try {
        const n = readSync(fd, buf, 0, buf.length, 0);
        const ns = Number(buf.toString('latin1', 0, n).split(' ')[1]);
        return Number.isFinite(ns) ? ns / 1e6 : undefined;
      } catch {
        return undefined;
      }
    },
    close() {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}

/**
 * The thread's CPU time in ms with sub-ms precision: the first field of /proc/thread-self/schedstat (ns on a CPU),
 * or utime + stime where the kernel keeps no schedstat; undefined where there is no /proc.
 */
export function threadCpuPreciseMs(): number | undefined {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // no schedstat: the tick counters
  }
  const stat = statCpuMs();
  return stat && stat.user + stat.system;
}
