/**
 * One media worker as the main thread sees it: the thread, its batched command queue (one postMessage per
 * event-loop turn: what the SIP messages read in one poll phase ask of the worker goes in one message, and wakes the
 * worker once), the streams it runs, the prompts it holds, its last stats report, and its death. A slot keeps
 * its index and port share across restarts; each start is a new generation.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { mediaErrors, type MediaError } from '../errors.js';
import type { RemoteMediaStream } from './remote-media-stream.js';
import type { MediaCommand, MediaEvent, MediaWorkerInit, WorkerStatsReport } from './protocol.js';

/**
 * The worker's V8 young generation, MB. A media worker's live heap is small (streams, rooms, jitter buffers) and
 * its garbage is per packet (each received datagram is a Buffer), so V8's default young generation (≈ 34 MB once
 * grown) is resident memory that buys nothing. Measured on quizconnect's real workload at 300 bridged calls
 * (docs/benchmarks.md): 8 MB keeps scavenges shorter (≈ 1.8 ms mean against ≈ 3.4 ms), costs ≈ 0.2 % of a core
 * more in total GC time, and takes 9–25 MB off the process RSS.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * The worker's V8 old-generation limit, MB. V8 lets a heap grow up to 4x its live size between mark-compacts when
 * the limit is large (the default on a machine with many GB), and 1.3x when the limit is small; a worker's live heap
 * stays in the tens of MB even at its stream limit, so a bounded limit keeps its old space near the live size.
 * Reaching it ends the worker like a crash (its calls end cleanly, a new worker takes the slot).
 */
export const WORKER_OLD_GENERATION_MB = 256;

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export interface SlotHooks {
  /** The worker thread ended while it should have been running (crash, kill): the engine ends its streams. */
  died(slot: MediaWorkerSlot, error: MediaError): void;
}

export class MediaWorkerSlot {
  readonly index: number;
  readonly generation: number;
  readonly streams = new Map<string, RemoteMediaStream>();
  /** Prompt ids this worker has been given. */
  readonly prompts = new Set<number>();
  stats: WorkerStatsReport | undefined;
  /** Rooms relaying as of the last report that named them (reports carry the set only when it changed). */
  relayingRooms: readonly string[] = [];
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #hooks: SlotHooks;
  readonly #requests = new Map<number, { resolve: (e: MediaEvent) => void; reject: (err: Error) => void }>();
  #outbox: MediaCommand[] = [];
  #flushQueued = false;
  #stopping = false;
  #dead = false;
  readonly ready: Promise<void>;

  /** `entry`: the worker's script (worker-entry.ts: compiled JavaScript, or a bundle of the TypeScript sources). */
  constructor(entry: URL, init: MediaWorkerInit, log: Logger, hooks: SlotHooks) {
    this.index = init.index;
    this.generation = init.generation;
    this.#log = log;
    this.#hooks = hooks;
    this.#worker = new Worker(entry, {
      workerData: init,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB },
    });
    let resolveReady!: () => void;
    let rejectReady!: (err: Error) => void;
    this.ready = new Promise((res, rej) => ((resolveReady = res), (rejectReady = rej)));
    this.ready.catch(() => undefined);
    this.#worker.on('message', (batch: MediaEvent[]) => {
      for (const e of batch) {
        if (e.ev === 'ready') resolveReady();
        else this.#onEvent(e);
      }
    });
    this.#worker.on('error', (err) => {
      this.#log.error({ err, worker: this.index }, 'media worker crashed');
      rejectReady(err);
    });
    this.#worker.on('exit', (code) => {
      rejectReady(new Error(`media worker exited (${code}) before it was ready`));
      if (this.#stopping || this.#dead) return;
      this.#dead = true;
      const error = mediaErrors.workerFailed(this.index, `exit code ${code}`);
      for (const r of this.#requests.values()) r.reject(error);
      this.#requests.clear();
      this.#hooks.died(this, error);
    });
  }

  get alive(): boolean {
    return !this.#dead && !this.#stopping;
  }

  /** The worker thread's id (for tests and diagnostics). */
  get threadId(): number {
    return this.#worker.threadId;
  }

  send(cmd: MediaCommand): void {
    if (!this.alive) return;
    this.#outbox.push(cmd);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#flush);
    }
  }

  /** Send a command that is answered (by `created`/`createFailed` with the same `req`). */
  request(cmd: MediaCommand & { req: number }): Promise<MediaEvent> {
    if (!this.alive) return Promise.reject(mediaErrors.workerFailed(this.index, 'not running'));
    return new Promise((resolve, reject) => {
      this.#requests.set(cmd.req, { resolve, reject });
      this.send(cmd);
    });
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    if (this.#outbox.length === 0 || !this.alive) return;
    const batch = this.#outbox;
    this.#outbox = [];
    this.#worker.postMessage(batch);
  };

  #onEvent(e: MediaEvent): void {
    switch (e.ev) {
      case 'created':
      case 'createFailed': {
        const r = this.#requests.get(e.req);
        this.#requests.delete(e.req);
        r?.resolve(e);
        return;
      }
      case 'log': {
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(e.line) as Record<string, unknown>;
        } catch {
          return;
        }
        const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = o;
        const fn = LEVELS[Number(level)] ?? 'info';
        this.#log[fn](rest, typeof msg === 'string' ? msg : '');
        return;
      }
      case 'stats':
        // Nothing per stream here: each stream reads its counters from the latest report when asked.
        this.stats = e;
        if (e.relayingRooms) this.relayingRooms = e.relayingRooms;
        return;
      case 'ready':
        return;
      default:
        this.streams.get(e.id)?.deliver(e);
    }
  }

  /** For tests and the crash drill: kill the thread as a crash would. */
  kill(): Promise<number> {
    return this.#worker.terminate();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#worker.terminate();
  }
}
