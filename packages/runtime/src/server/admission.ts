/**
 * Admission of new calls: refuse an INVITE (503 + Retry-After) only when the server really lacks headroom, and do
 * it before the calls already admitted suffer.
 *
 * Two resources are watched, sampled every `sampleMs`:
 * - media: every media clock (one per worker, or the in-thread one) over its budget — tick work above
 *   `busyShareMax` of the tick, or p90 tick lateness above `latenessP90MaxMs`. A new call goes to the least loaded
 *   worker, so media lacks headroom only when none has any.
 * - signalling: the main thread's event-loop utilisation above `signallingEluMax` (it parses SIP, runs the flows,
 *   the lookups and the admin API; past saturation every INVITE waits in a queue).
 * Refusing starts when every sample of the last `windowMs` was over a limit, and ends when every sample of the last
 * `windowMs` was under (hysteresis): a burst — a GC pause, one busy tick — never refuses calls on its own.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { MediaLoad } from '../media/media-types.js';

export interface AdmissionOptions {
  /** Share of the tick a media clock may spend working. Default 0.7. */
  busyShareMax?: number;
  /** p90 media tick lateness allowed over the last second, ms. Default 10 (half a tick: no tick is missed yet). */
  latenessP90MaxMs?: number;
  /** Main-thread event-loop utilisation allowed. Default 0.9. */
  signallingEluMax?: number;
  /** How long a condition must hold to start or stop refusing, ms. Default 1000. */
  windowMs?: number;
  /** Sampling interval, ms. Default 250. */
  sampleMs?: number;
  /** Retry-After of the 503, seconds. Default 2. */
  retryAfterS?: number;
  /**
   * Legs a call of a flow is assumed to dial (its callee legs, each with an RTP stream) until the flow has shown its
   * fan-out: one of its calls has dialled, or answered without dialling (server/leg-budget.ts). Default 2.
   */
  assumedFanOut?: number;
}

export interface AdmissionSnapshot {
  refusing: boolean;
  /** Why calls are refused now ('media' | 'signalling'), undefined while admitting. */
  reason: 'media' | 'signalling' | undefined;
  /** Last sample: the least loaded media clock, and the main thread's utilisation. */
  mediaBusyShare: number;
  mediaLatenessP90Ms: number;
  signallingElu: number;
  /** INVITEs refused so far. */
  refused: number;
}

export class AdmissionControl {
  readonly retryAfterS: number;
  /** See `AdmissionOptions.assumedFanOut`. */
  readonly assumedFanOut: number;
  readonly #loads: () => MediaLoad[];
  readonly #busyMax: number;
  readonly #lateMax: number;
  readonly #eluMax: number;
  readonly #samples: number;
  readonly #sampleMs: number;
  /** Per sample: 0 ok, 1 media over, 2 signalling over (3 both). */
  readonly #ring: Uint8Array;
  #pos = 0;
  #count = 0;
  #refusing = false;
  #reason: 'media' | 'signalling' | undefined;
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  #last = { busy: 0, late: 0, elu: 0 };
  #refused = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(loads: () => MediaLoad[], options: AdmissionOptions = {}) {
    this.#loads = loads;
    this.#busyMax = options.busyShareMax ?? 0.7;
    this.#lateMax = options.latenessP90MaxMs ?? 10;
    this.#eluMax = options.signallingEluMax ?? 0.9;
    this.#sampleMs = options.sampleMs ?? 250;
    this.#samples = Math.max(1, Math.round((options.windowMs ?? 1000) / this.#sampleMs));
    this.#ring = new Uint8Array(this.#samples);
    this.retryAfterS = options.retryAfterS ?? 2;
    this.assumedFanOut = options.assumedFanOut ?? 2;
  }

  start(): void {
    if (this.#timer) return;
    this.#elu = performance.eventLoopUtilization();
    this.#timer = setInterval(() => this.sample(), this.#sampleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Take one sample (the timer does this; tests call it directly). */
  sample(elu?: number): void {
    const now = performance.eventLoopUtilization();
    const utilisation = elu ?? performance.eventLoopUtilization(now, this.#elu).utilization;
    this.#elu = now;
    let busy = Infinity;
    let late = Infinity;
    let mediaOver = true;
    for (const l of this.#loads()) {
      busy = Math.min(busy, l.busyShare);
      late = Math.min(late, l.latenessP90Ms);
      if (l.busyShare <= this.#busyMax && l.latenessP90Ms <= this.#lateMax) mediaOver = false;
    }
    this.#last = { busy: Number.isFinite(busy) ? busy : 0, late: Number.isFinite(late) ? late : 0, elu: utilisation };
    const flags = (mediaOver ? 1 : 0) | (utilisation > this.#eluMax ? 2 : 0);
    this.#ring[this.#pos] = flags;
    this.#pos = (this.#pos + 1) % this.#samples;
    if (this.#count < this.#samples) this.#count++;
    if (this.#count < this.#samples) return;
    let all = 3;
    let any = 0;
    for (const f of this.#ring) {
      all &= f;
      any |= f;
    }
    if (!this.#refusing && all !== 0) {
      this.#refusing = true;
      this.#reason = all & 1 ? 'media' : 'signalling';
    } else if (this.#refusing && any === 0) {
      this.#refusing = false;
      this.#reason = undefined;
    }
  }

  /** Why a new call must be refused now, or undefined to admit it. Counts the refusal. */
  refuse(): 'media' | 'signalling' | undefined {
    if (!this.#refusing) return undefined;
    this.#refused++;
    return this.#reason;
  }

  get snapshot(): AdmissionSnapshot {
    return {
      refusing: this.#refusing,
      reason: this.#reason,
      mediaBusyShare: Math.round(this.#last.busy * 1000) / 1000,
      mediaLatenessP90Ms: Math.round(this.#last.late * 100) / 100,
      signallingElu: Math.round(this.#last.elu * 1000) / 1000,
      refused: this.#refused,
    };
  }
}
