/**
 * The calling thread's CPU time over a trailing window, as a share of one core: what a media worker reports so that
 * admission sees all of its work. A worker relays the frames of two-party rooms from its socket handler, outside its
 * clock's ticks, so tick work alone reads a worker near idle while the thread is on a CPU all the time and datagrams
 * wait in the sockets' buffers (docs/media.md, Admission).
 */
import { threadCpuPreciseMs } from './thread-cpu.js';

export class ThreadCpuWindow {
  readonly #windowMs: number;
  readonly #readCpuMs: () => number | undefined;
  readonly #now: () => number;
  /** [when, CPU ms] of each read, oldest first, spanning at most the window plus one read. */
  readonly #reads: Array<[number, number]> = [];

  constructor(windowMs = 1000, readCpuMs: () => number | undefined = threadCpuPreciseMs, now: () => number = () => performance.now()) {
    this.#windowMs = windowMs;
    this.#readCpuMs = readCpuMs;
    this.#now = now;
  }

  /**
   * Read the thread's CPU time now, and return its share of one core since the oldest read within the window
   * (0 before a second read, or where the CPU time cannot be read).
   */
  sample(): number {
    const cpu = this.#readCpuMs();
    if (cpu === undefined) return 0;
    const at = this.#now();
    this.#reads.push([at, cpu]);
    // Keep the newest read at or before the window's start, so the share always spans a whole window once it can.
    while (this.#reads.length > 2 && at - this.#reads[1]![0] >= this.#windowMs) this.#reads.shift();
    const [t0, c0] = this.#reads[0]!;
    return at > t0 ? Math.max(0, (cpu - c0) / (at - t0)) : 0;
  }
}
