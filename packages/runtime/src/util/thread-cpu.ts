/**
 * CPU time of the calling thread (not the process), from /proc/thread-self (Linux; nothing elsewhere). Node 20 has no
 * per-thread CPU counter; the main thread and each media worker read their own.
 */
import { openSync, readFileSync, readSync } from 'node:fs';

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
 * This thread's /proc/thread-self/schedstat, kept open: the path resolves to the opening thread, and module state is
 * per isolate, so each thread (main, every media worker) opens its own once. One pread then costs ≈ 5 µs against
 * ≈ 27 µs to open and read the file each time: cheap enough for every media tick. Node closes a worker's files when
 * the worker exits, crashed or not. null: no schedstat here (no /proc, or a kernel without schedstats).
 */
let schedstatFd: number | null | undefined;
const schedstatBuf = Buffer.alloc(96);

/** The thread's time on a CPU and waiting for one while runnable (schedstat's first two fields), ms. */
function threadSchedstat(): { cpuMs: number; waitMs: number } | undefined {
  if (schedstatFd === undefined) {
    try {
      schedstatFd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      schedstatFd = null;
    }
  }
  if (schedstatFd === null) return undefined;
  try {
    const n = readSync(schedstatFd, schedstatBuf, 0, schedstatBuf.length, 0);
    const [cpuNs, waitNs] = schedstatBuf.toString('latin1', 0, n).split(' ');
    const cpuMs = Number(cpuNs) / 1e6;
    const waitMs = Number(waitNs) / 1e6;
    return Number.isFinite(cpuMs) && Number.isFinite(waitMs) ? { cpuMs, waitMs } : undefined;
  } catch {
    return undefined;
  }
}

/** The calling thread's time waiting for a CPU while runnable, ms; undefined where the kernel keeps no schedstat. */
export function threadRunQueueWaitMs(): number | undefined {
  return threadSchedstat()?.waitMs;
}

/**
 * The thread's CPU time in ms with sub-ms precision (schedstat), or utime + stime where the kernel keeps no
 * schedstat; undefined where there is no /proc.
 */
export function threadCpuPreciseMs(): number | undefined {
  const sched = threadSchedstat();
  if (sched) return sched.cpuMs;
  const stat = statCpuMs();
  return stat && stat.user + stat.system;
}
