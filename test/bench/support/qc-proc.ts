/** CPU and peak memory of a child process, from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux everywhere that matters). */
export const CLK_TCK = 100;

/** utime + stime of the process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is index 0, so utime (field 14) and stime (field 15) are indexes 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Peak resident set (VmHWM) in MB, one decimal. */
export function peakRssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

/** CPU of `pid` since the meter was made: percent (100 = one core) and CPU milliseconds. */
export function cpuMeter(pid: number): () => { percent: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const c0 = cpuTicks(pid);
  return () => {
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuS = (cpuTicks(pid) - c0) / CLK_TCK;
    return { percent: wallS > 0 ? Math.round((cpuS / wallS) * 100) : 0, cpuMs: cpuS * 1000 };
  };
}

/** Busy jiffies and total jiffies of the whole machine (all cores), from the first line of /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** Machine CPU% busy between two readings, 100 = every core busy (the server, sipp, and anything else running). */
export function machineMeter(): () => number {
  let a = machineJiffies();
  return () => {
    const b = machineJiffies();
    const pct = b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * 100 : 0;
    a = b;
    return Math.round(pct);
  };
}
