/**
 * Why a media clock's ticks ran late: each tick at least `lateMs` late is counted under the cause that took most of
 * its delay, so an operator (and the benchmark) can tell a box short of CPUs from a thread short of time.
 * - `cpu`: the thread was runnable but waited for a CPU (its run-queue time from /proc/thread-self/schedstat, read
 *   at every tick start: the other threads and processes on the cores, whatever the thread's priority);
 * - `gc`: a garbage collection of the thread's isolate overlapped the delay (V8 stops the thread's JavaScript);
 * - `work`: neither — the thread itself was busy with something that would not yield: a long task between two
 *   datagrams (a batch of commands, a timer) or the previous tick.
 * GC entries reach the observer after the collection, so a late tick is classified only once it is older than
 * `settleMs`: at a later tick, or when the counts are read.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { threadRunQueueWaitMs } from '../util/thread-cpu.js';

export interface LateTickCounts {
  cpu: number;
  gc: number;
  work: number;
}

export const LATE_TICK_CAUSES = ['cpu', 'gc', 'work'] as const satisfies ReadonlyArray<keyof LateTickCounts>;

/** No late tick yet (a fresh count to add into). */
export function noLateTicks(): LateTickCounts {
  return { cpu: 0, gc: 0, work: 0 };
}

export interface LateTickCausesOptions {
  /** A tick at least this late is counted, ms. Default 10 (half a 20 ms tick). */
  lateMs?: number;
  /**
   * The thread's run-queue wait so far, ms (undefined: unknown). Default: /proc/thread-self/schedstat of the thread
   * that starts ticks (the clock's own).
   */
  readWaitMs?: () => number | undefined;
  /** Observe this isolate's garbage collections. Default true (tests feed `noteGc` instead). */
  observeGc?: boolean;
  /** How old a late tick must be before it is classified, ms. Default 50. */
  settleMs?: number;
  now?: () => number;
}

/** Collections kept to match late ticks against (a few seconds' worth under load). */
const GC_KEPT = 64;

interface PendingTick {
  due: number;
  at: number;
  waitMs: number;
}

export class LateTickCauses {
  readonly #lateMs: number;
  readonly #readWaitMs: () => number | undefined;
  readonly #observeGc: boolean;
  readonly #settleMs: number;
  readonly #now: () => number;
  /** [start, end] of the latest collections, oldest first. */
  readonly #gcs: Array<[number, number]> = [];
  readonly #pending: PendingTick[] = [];
  readonly #counts: LateTickCounts = noLateTicks();
  #lastWaitMs: number | undefined;
  #observer: PerformanceObserver | undefined;

  constructor(options: LateTickCausesOptions = {}) {
    this.#lateMs = options.lateMs ?? 10;
    this.#readWaitMs = options.readWaitMs ?? threadRunQueueWaitMs;
    this.#observeGc = options.observeGc ?? true;
    this.#settleMs = options.settleMs ?? 50;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The clock started: watch collections from now. */
  start(): void {
    this.#lastWaitMs = this.#readWaitMs();
    if (!this.#observeGc || this.#observer) return;
    this.#observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.noteGc(e.startTime, e.duration);
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** The clock stopped (no stream left): no observer kept for an idle thread. */
  stop(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
  }

  /** A collection of this isolate ran from `start` for `durationMs` (performance.now() time). */
  noteGc(start: number, durationMs: number): void {
    this.#gcs.push([start, start + durationMs]);
    if (this.#gcs.length > GC_KEPT) this.#gcs.shift();
  }

  /** A tick due at `due` starts at `now`: note its delay if it is late. Reads the run-queue wait every tick. */
  tickStarted(due: number, now: number): void {
    const waitMs = this.#readWaitMs();
    const waited = waitMs !== undefined && this.#lastWaitMs !== undefined ? waitMs - this.#lastWaitMs : 0;
    this.#lastWaitMs = waitMs;
    // Classify as the clock goes, not only when someone reads the counts (an unscraped server would keep them all).
    if (this.#pending.length > 0 && this.#pending[0]!.at <= now - this.#settleMs) this.#settle(now - this.#settleMs);
    if (now - due >= this.#lateMs) this.#pending.push({ due, at: now, waitMs: waited });
  }

  /** Late ticks not classified yet (younger than `settleMs`): a handful at most. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Late ticks so far by cause (those younger than `settleMs` are counted once their collections are known). */
  get counts(): LateTickCounts {
    this.#settle(this.#now() - this.#settleMs);
    return { ...this.#counts };
  }

  reset(): void {
    this.#settle(Infinity);
    this.#counts.cpu = this.#counts.gc = this.#counts.work = 0;
  }

  #settle(before: number): void {
    while (this.#pending.length > 0 && this.#pending[0]!.at <= before) {
      const t = this.#pending.shift()!;
      const late = t.at - t.due;
      let gcMs = 0;
      for (const [s, e] of this.#gcs) gcMs += Math.max(0, Math.min(e, t.at) - Math.max(s, t.due));
      // The wait was read over the whole interval since the previous tick: at most the delay is this tick's.
      const cpuMs = Math.min(t.waitMs, late);
      const workMs = late - gcMs - cpuMs;
      if (cpuMs >= gcMs && cpuMs >= workMs) this.#counts.cpu++;
      else if (gcMs >= workMs) this.#counts.gc++;
      else this.#counts.work++;
    }
  }
}
