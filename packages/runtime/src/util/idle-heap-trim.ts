/**
 * Gives a thread's heap back when it has nothing left to serve: the main thread when its last call (leg) has ended,
 * a media worker when its last stream has closed.
 *
 * V8 grows the heap while calls arrive fast, and shrinks it only after a full collection that finds it fragmented
 * and (its memory reducer) once the process has allocated little for a while. After a burst of calls the server kept
 * 100–160 MB of main heap committed for 30–55 MB live, for minutes (docs/benchmarks.md, "Ticks inside a burst, and the
 * heap after a burst").
 *
 * So when the last leg ends and no new one has started `quietMs` later, the thread asks V8 for the collection it runs
 * on low memory (the inspector's `HeapProfiler.collectGarbage`, in process: no port is opened). That one compacts
 * the heap and unmaps the pages it empties; a plain full collection (`gc()`) frees objects but keeps every page that
 * still holds one. It holds the main thread for 100–200 ms on a 2-vCPU VM, which is why it waits for a moment with
 * no call: no audio to delay (in-thread media has no stream either), no answer owed but to a request arriving in
 * those milliseconds. Tried under load instead (when live legs fell to half their peak), that pause cost ticks and
 * calls on 2 vCPUs: not done.
 *
 * It trims only a heap grown past `growthFactor` × what the last trim (or the start) left and past `minHeapBytes`,
 * at most once per `minIntervalMs`: a quiet server whose calls come one at a time never pays for it.
 */
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';

export interface IdleHeapTrimOptions {
  /** Live legs now (the call registry's active count; a worker passes its open streams). */
  activeLegs: () => number;
  logger?: Logger;
  /** How long the server must stay without a leg after the last one ended, ms. Default 100. */
  quietMs?: number;
  /**
   * Least time between two trims, ms. Default 10000: a guard against a server that empties every few seconds; the
   * growth the next trim needs (`growthFactor`) is what keeps a quiet server from paying for them.
   */
  minIntervalMs?: number;
  /** Trim only a heap (committed) this many times larger than what the last trim, or the start, left. Default 1.5. */
  growthFactor?: number;
  /** ... and larger than this, bytes. Default 64 MiB. */
  minHeapBytes?: number;
  /** For tests: the heap's committed size, the collection and the clock. Default: this isolate's. */
  heapBytes?: () => number;
  collect?: () => Promise<void>;
  now?: () => number;
}

export interface IdleHeapTrimStats {
  trims: number;
  /** The last trim: from the request to its end, ms (the collection holds the main thread for most of it). */
  lastPauseMs: number;
  /** The committed heap before and after the last trim, bytes. */
  lastHeapBeforeBytes: number;
  lastHeapAfterBytes: number;
}

/** V8's low-memory collection of this isolate, through an in-process inspector session. */
export function lowMemoryCollection(): Promise<void> {
  return new Promise((resolve, reject) => {
    // Throws ERR_INSPECTOR_NOT_AVAILABLE on a node built without the inspector: the caller logs it and stops.
    const session = new Session();
    session.connect();
    session.post('HeapProfiler.collectGarbage', (err) => {
      // Not from inside the session's own callback: node 20 hangs there.
      setImmediate(() => session.disconnect());
      if (err) reject(err);
      else resolve();
    });
  });
}

export class IdleHeapTrim {
  readonly #activeLegs: () => number;
  readonly #log: Logger | undefined;
  readonly #quietMs: number;
  readonly #minIntervalMs: number;
  readonly #growthFactor: number;
  readonly #minHeapBytes: number;
  readonly #heapBytes: () => number;
  readonly #collect: () => Promise<void>;
  readonly #now: () => number;
  /** The committed heap the last trim left (at first: at start). */
  #baselineBytes: number;
  #lastTrimAt = -Infinity;
  #quietTimer: NodeJS.Timeout | undefined;
  #trimming = false;
  #stopped = false;
  readonly #stats: IdleHeapTrimStats = { trims: 0, lastPauseMs: 0, lastHeapBeforeBytes: 0, lastHeapAfterBytes: 0 };

  constructor(options: IdleHeapTrimOptions) {
    this.#activeLegs = options.activeLegs;
    this.#log = options.logger;
    this.#quietMs = options.quietMs ?? 100;
    this.#minIntervalMs = options.minIntervalMs ?? 10_000;
    this.#growthFactor = options.growthFactor ?? 1.5;
    this.#minHeapBytes = options.minHeapBytes ?? 64 * 1024 * 1024;
    this.#heapBytes = options.heapBytes ?? (() => getHeapStatistics().total_heap_size);
    this.#collect = options.collect ?? lowMemoryCollection;
    this.#now = options.now ?? (() => performance.now());
    this.#baselineBytes = this.#heapBytes();
  }

  get stats(): IdleHeapTrimStats {
    return { ...this.#stats };
  }

  /** A leg ended: if it was the last, trim once the server has stayed without a leg for `quietMs`. */
  legEnded(): void {
    if (this.#stopped || this.#quietTimer || this.#activeLegs() > 0) return;
    this.#quietTimer = setTimeout(() => {
      this.#quietTimer = undefined;
      void this.trimIfIdle();
    }, this.#quietMs);
    this.#quietTimer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#quietTimer);
    this.#quietTimer = undefined;
  }

  /** Trims now if the server has no leg and the heap is worth it. Resolves true when it trimmed. */
  async trimIfIdle(): Promise<boolean> {
    if (this.#stopped || this.#trimming || this.#activeLegs() > 0) return false;
    const start = this.#now();
    if (start - this.#lastTrimAt < this.#minIntervalMs) return false;
    const before = this.#heapBytes();
    if (before < this.#minHeapBytes || before < this.#baselineBytes * this.#growthFactor) return false;
    this.#lastTrimAt = start;
    this.#trimming = true;
    try {
      await this.#collect();
    } catch (err) {
      // Nothing to give memory back with (a node without the inspector): say so once, and stop trying.
      this.stop();
      this.#log?.warn({ err: (err as Error).message }, 'heap trim: V8 could not be asked for a collection; the heap is left to V8');
      return false;
    } finally {
      this.#trimming = false;
    }
    const after = this.#heapBytes();
    this.#baselineBytes = after;
    const s = this.#stats;
    s.trims++;
    s.lastPauseMs = Math.round((this.#now() - start) * 10) / 10;
    s.lastHeapBeforeBytes = before;
    s.lastHeapAfterBytes = after;
    this.#log?.info(
      { heapBeforeMB: Math.round(before / 1e5) / 10, heapAfterMB: Math.round(after / 1e5) / 10, pauseMs: s.lastPauseMs },
      'heap trimmed: no call left',
    );
    return true;
  }
}
