/**
 * The one media clock of the process. Deadline-driven: tick n is due at base + n·tickMs on the monotonic clock,
 * and each tick arms a setTimeout to the next deadline, so timer lateness never accumulates into drift (a plain
 * setInterval does). When the loop falls more than one tick behind, the next deadline moves past the missed
 * ones (counted in `ticksMissed`) and the tick handler is told how many it missed, so it can make up for them.
 *
 * A timer runs only between two batches of I/O: while the loop works through a burst of datagrams (every stream's
 * 20 ms arrives at once from a peer that sends them together), a due tick would wait for the whole batch. The
 * packet path therefore calls `runIfDue()`, which runs a tick whose deadline has passed at once.
 */
import { performance } from 'node:perf_hooks';
import type { MediaClockStats } from './media-types.js';
import { LateTickCauses, noLateTicks } from './late-tick-causes.js';

/** Missed frames a late tick still makes, back to back: a stall up to 100 ms (a longer one drops the rest: media-engine.ts). */
export const MAX_CATCH_UP = 5;

/** Called every tick. `behind` is the number of whole ticks missed just before this one (usually 0). */
export type TickHandler = (now: number, behind: number) => void;

const HIST_BUCKET_MS = 0.1;
const HIST_BUCKETS = 2000; // 0–200 ms; later goes into the last bucket
/** Upper bounds (ms) of the exported lateness histogram (plus +Inf); fine around 10 ms, half a tick. */
export const LATENESS_BUCKETS_MS = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 100, 200] as const;
/** Ticks kept for the "last second" window. */
const RECENT = 64;

export interface MediaClockOptions {
  /** Tick length in ms. Default 20. */
  tickMs?: number;
  /**
   * `overloaded` when the p90 lateness over the last second exceeds this. Default 20 ms (one tick): a single
   * GC pause or a burst of CPU contention does not trip it, a clock that keeps falling behind does.
   */
  overloadLatenessMs?: number;
  /** `overloaded` when tick work over the last second averages more than this share of a tick. Default 0.8. */
  overloadBusyShare?: number;
  /** Called when the tick handler throws (the clock keeps running). */
  onError?: (err: unknown) => void;
  /** Counts late ticks by cause (stats.lateTicks). Default: a LateTickCauses of this thread; null: none. */
  lateTicks?: LateTickCauses | null;
}

export class MediaClock {
  readonly tickMs: number;
  readonly #overloadLatenessMs: number;
  readonly #overloadBusyShare: number;
  readonly #onTick: TickHandler;
  readonly #onError: (err: unknown) => void;
  readonly #lateTicks: LateTickCauses | null;
  #base = 0;
  #n = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #inTick = false;

  #ticks = 0;
  #ticksMissed = 0;
  #latenessMax = 0;
  readonly #hist = new Uint32Array(HIST_BUCKETS);
  readonly #recentLateness = new Float64Array(RECENT);
  readonly #recentBusy = new Float64Array(RECENT);
  readonly #sortScratch = new Float64Array(RECENT);
  #recentCount = 0;
  #recentPos = 0;
  #busyTotal = 0;
  #latenessSum = 0;

  constructor(onTick: TickHandler, options: MediaClockOptions = {}) {
    this.tickMs = options.tickMs ?? 20;
    this.#overloadLatenessMs = options.overloadLatenessMs ?? 20;
    this.#overloadBusyShare = options.overloadBusyShare ?? 0.8;
    this.#onTick = onTick;
    this.#onError = options.onError ?? ((err) => console.error('sipflow media clock: tick failed', err));
    this.#lateTicks = options.lateTicks === undefined ? new LateTickCauses() : options.lateTicks;
  }

  get running(): boolean {
    return this.#running;
  }

  /** True while the tick handler runs (whether the timer or `runIfDue` started it). */
  get ticking(): boolean {
    return this.#inTick;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // The recent window describes this run only (a clock stopped while loaded must not look loaded on restart).
    this.#recentCount = 0;
    this.#recentPos = 0;
    this.#base = performance.now();
    this.#n = 1;
    this.#lateTicks?.start();
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    this.#lateTicks?.stop();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const delay = this.#base + this.#n * this.tickMs - performance.now();
    // setTimeout has 1 ms granularity; rounding up keeps most ticks at or just after their deadline.
    this.#timer = setTimeout(this.#run, delay > 1 ? Math.ceil(delay) : 1);
    this.#timer.unref();
  }

  /**
   * Runs the next tick now if its deadline has passed (and re-arms the timer for the one after); otherwise does
   * nothing. For the packet path, between two datagrams of a burst. Costs one clock read.
   */
  runIfDue(): void {
    if (!this.#running || this.#inTick) return;
    if (performance.now() < this.#base + this.#n * this.tickMs) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#run();
  }

  readonly #run = (): void => {
    if (!this.#running) return;
    const now = performance.now();
    const due = this.#base + this.#n * this.tickMs;
    const lateness = now - due;
    this.#lateTicks?.tickStarted(due, now);
    let skipped = 0;
    if (lateness >= this.tickMs) {
      skipped = Math.floor(lateness / this.tickMs);
      this.#n += skipped;
      this.#ticksMissed += skipped;
    }
    this.#inTick = true;
    try {
      this.#onTick(now, skipped);
    } catch (err) {
      this.#onError(err);
    } finally {
      this.#inTick = false;
    }
    const busy = performance.now() - now;
    this.#record(lateness > 0 ? lateness : 0, busy);
    this.#n++;
    if (this.#running) this.#arm();
  };

  #record(lateness: number, busy: number): void {
    this.#ticks++;
    const b = Math.min(HIST_BUCKETS - 1, Math.floor(lateness / HIST_BUCKET_MS));
    this.#hist[b]!++;
    if (lateness > this.#latenessMax) this.#latenessMax = lateness;
    this.#latenessSum += lateness;
    this.#recentLateness[this.#recentPos] = lateness;
    this.#recentBusy[this.#recentPos] = busy;
    this.#recentPos = (this.#recentPos + 1) % RECENT;
    if (this.#recentCount < RECENT) this.#recentCount++;
    this.#busyTotal += busy;
  }

  #percentile(p: number): number {
    if (this.#ticks === 0) return 0;
    const target = Math.ceil(this.#ticks * p);
    let seen = 0;
    for (let i = 0; i < HIST_BUCKETS; i++) {
      seen += this.#hist[i]!;
      // The bucket's upper edge, never above the largest lateness seen (a p99 above the max was reported).
      if (seen >= target) return Math.round(Math.min((i + 1) * HIST_BUCKET_MS, this.#latenessMax) * 100) / 100;
    }
    return HIST_BUCKETS * HIST_BUCKET_MS;
  }

  /** Ticks at most each LATENESS_BUCKETS_MS bound late (bucket i holds [i, i+1) × 0.1 ms), then all of them. */
  #cumulativeBuckets(): number[] {
    const out: number[] = [];
    let seen = 0;
    let i = 0;
    for (const bound of LATENESS_BUCKETS_MS) {
      for (const end = Math.round(bound / HIST_BUCKET_MS); i < end; i++) seen += this.#hist[i]!;
      out.push(seen);
    }
    out.push(this.#ticks);
    return out;
  }

  /** Number of ticks in the recent window (the last second, at most 64 ticks). */
  #recentWindow(): number {
    return Math.min(this.#recentCount, Math.ceil(1000 / this.tickMs), RECENT);
  }

  /** A percentile (0–1) of lateness over the last second. */
  recentLateness(p: number): number {
    const n = this.#recentWindow();
    if (n === 0) return 0;
    for (let i = 0; i < n; i++) this.#sortScratch[i] = this.#recentLateness[(this.#recentPos - 1 - i + RECENT) % RECENT]!;
    const s = this.#sortScratch.subarray(0, n).sort();
    return s[Math.min(n - 1, Math.max(0, Math.ceil(n * p) - 1))]!;
  }

  /** Mean tick work over the last second, as a share of the tick length. */
  recentBusyShare(): number {
    const n = this.#recentWindow();
    if (n === 0) return 0;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.#recentBusy[(this.#recentPos - 1 - i + RECENT) % RECENT]!;
    return sum / n / this.tickMs;
  }

  get overloaded(): boolean {
    if (!this.#running) return false;
    return this.recentLateness(0.9) > this.#overloadLatenessMs || this.recentBusyShare() > this.#overloadBusyShare;
  }

  get stats(): MediaClockStats & { busyMeanMs: number } {
    return {
      ticks: this.#ticks,
      latenessP50: this.#percentile(0.5),
      latenessP99: this.#percentile(0.99),
      latenessMax: Math.round(this.#latenessMax * 100) / 100,
      ticksMissed: this.#ticksMissed,
      lateTicks: this.#lateTicks?.counts ?? noLateTicks(),
      latenessBuckets: this.#cumulativeBuckets(),
      latenessSumMs: Math.round(this.#latenessSum * 1000) / 1000,
      busyMeanMs: this.#ticks ? Math.round((this.#busyTotal / this.#ticks) * 1000) / 1000 : 0,
    };
  }

  /** Forget the statistics (benchmarks measure one phase at a time). */
  resetStats(): void {
    this.#ticks = 0;
    this.#ticksMissed = 0;
    this.#lateTicks?.reset();
    this.#latenessMax = 0;
    this.#hist.fill(0);
    this.#recentCount = 0;
    this.#recentPos = 0;
    this.#busyTotal = 0;
    this.#latenessSum = 0;
  }
}
