/**
 * Admission of new calls: refuse an INVITE (503 + Retry-After) only when the server really lacks headroom, and do
 * it before the calls already admitted suffer.
 *
 * Two resources are watched, sampled every `sampleMs`:
 * - media: every media clock (one per worker, or the in-thread one) over its budget — tick work above
 *   `busyShareMax` of the tick, p90 tick lateness above `latenessP90MaxMs`, or (a worker) its thread's CPU time above
 *   `mediaCpuMax` of a core: a two-party room relays each frame from the socket handler, outside the ticks, so a
 *   worker can be on a CPU all the time with its ticks light and on time while datagrams wait in its sockets. A new
 *   call goes to the least loaded worker, so media lacks headroom only when none has any.
 * - signalling: the main thread (it parses SIP, runs the flows, the lookups and the admin API) lacks headroom when
 *   its own work takes more than `signallingCpuMax` of a core, or when its event loop has had no idle moment
 *   (utilisation above `signallingSaturationElu`) for `signallingSaturationMs` AND peers resent at least
 *   `signallingResendShareMin` of their requests meanwhile (their T1 ran out before our answer came: the work queued
 *   is late as the phones see it, and not for one request caught in a burst), or for `signallingSaturationAloneMs`
 *   whatever the peers do (over TCP they never resend). Utilisation alone is not the
 *   measure: it also counts the time the thread waits for a CPU, and on a machine whose cores are shared (with the
 *   media workers, with anything else) that wait comes in bursts that pass. Measured on 2 vCPUs with quizconnect's
 *   real workload, the loop stayed above 0.98 for 5 s and more while the thread used under 0.7 of a core and waited
 *   for a CPU the rest, and every call of that load connected, answered in time (docs/benchmarks.md).
 * Refusing starts when every sample of the last `windowMs` was over a limit (of the saturation windows for a
 * saturated loop), and ends when every sample of the last `windowMs` was under (hysteresis): a burst — a GC pause,
 * one busy tick, a moment without a CPU — never refuses calls on its own.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { MediaLoad } from '../media/media-types.js';
import { threadCpuPreciseMs } from '../util/thread-cpu.js';

export interface AdmissionOptions {
  /** Share of the tick a media clock may spend working. Default 0.7. */
  busyShareMax?: number;
  /** p90 media tick lateness allowed over the last second, ms. Default 10 (half a tick: no tick is missed yet). */
  latenessP90MaxMs?: number;
  /**
   * Share of one core a media worker's thread may spend (ticks and relays), over its last second. Default 0.9: on
   * 2 vCPUs, a relaying worker's sockets began to queue datagrams at 0.92–0.96 (docs/benchmarks.md).
   */
  mediaCpuMax?: number;
  /**
   * Share of one core the main thread's own work may take (its CPU time: time it waits for a CPU does not count).
   * Default 0.8. Where the thread's CPU time cannot be read (no /proc), its event-loop utilisation stands in.
   */
  signallingCpuMax?: number;
  /** Event-loop utilisation of the main thread that counts as saturated (no idle moment). Default 0.98. */
  signallingSaturationElu?: number;
  /**
   * How long the main thread's loop may stay saturated, with peers resending requests during that time, before calls
   * are refused, ms. Default 5000.
   */
  signallingSaturationMs?: number;
  /**
   * Share of the peers' requests (other than ACK) over the saturation window that must be resends for a saturated loop
   * to refuse. Default 0.01: the 99th percentile of our answers within T1. On 2 vCPUs shared with both sipps, where
   * any resend counted, a few in a burst (1–9 in a 10 s step, 0.05–0.5 % of the requests) refused 107–303 calls while
   * every admitted call connected; where answers were really late, peers resent from 4 % of the requests to each of
   * them more than once (docs/benchmarks.md).
   */
  signallingResendShareMin?: number;
  /** How long it may stay saturated before calls are refused though no peer resent anything, ms. Default 15000. */
  signallingSaturationAloneMs?: number;
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

/**
 * One sample of the main thread, for tests: event-loop utilisation, CPU share of a core, and since the last sample
 * the requests peers resent and all their requests (other than ACK, resends included; default: the resends alone).
 */
export interface SignallingSample {
  elu: number;
  cpu: number;
  resends?: number;
  requests?: number;
}

/** The SIP stack's counters of peers' requests other than ACK (SipStats.requestsIn and peerResends). */
export interface PeerRequestCounts {
  requests: number;
  resends: number;
}

export interface AdmissionSnapshot {
  refusing: boolean;
  /** Why calls are refused now ('media' | 'signalling'), undefined while admitting. */
  reason: 'media' | 'signalling' | undefined;
  /** Last sample: the least loaded media clock, and the main thread's utilisation and CPU share. */
  mediaBusyShare: number;
  mediaLatenessP90Ms: number;
  /** The least busy media worker's CPU share of a core over its last second (0 for the in-thread engine). */
  mediaCpuShare: number;
  signallingElu: number;
  signallingCpu: number;
  /** INVITEs refused so far. */
  refused: number;
}

/** Sample flags. */
const MEDIA_OVER = 1;
const SIGNALLING_BUSY = 2;
const SIGNALLING_SATURATED = 4;

export class AdmissionControl {
  readonly retryAfterS: number;
  /** See `AdmissionOptions.assumedFanOut`. */
  readonly assumedFanOut: number;
  readonly #loads: () => MediaLoad[];
  readonly #peerRequests: () => PeerRequestCounts;
  readonly #busyMax: number;
  readonly #lateMax: number;
  readonly #mediaCpuMax: number;
  readonly #cpuMax: number;
  readonly #saturationElu: number;
  readonly #resendShareMin: number;
  readonly #sampleMs: number;
  /** Samples in the window, and in the saturation windows. */
  readonly #window: number;
  readonly #saturation: number;
  readonly #saturationAlone: number;
  /** The last samples' flags, newest at #pos - 1; beside them, the peers' resends and requests in each sample. */
  readonly #ring: Uint8Array;
  readonly #resendRing: Uint32Array;
  readonly #requestRing: Uint32Array;
  #pos = 0;
  #count = 0;
  #refusing = false;
  #reason: 'media' | 'signalling' | undefined;
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  #cpuMs: number | undefined;
  #cpuAt = 0;
  #peers: PeerRequestCounts = { requests: 0, resends: 0 };
  #last = { busy: 0, late: 0, mediaCpu: 0, elu: 0, cpu: 0 };
  #refused = 0;
  #timer: NodeJS.Timeout | undefined;

  /**
   * `peerRequests`: the SIP stack's counts of requests peers sent (other than ACK) and of those they sent again
   * before our answer reached them; without them, a saturated loop refuses only after `signallingSaturationAloneMs`.
   */
  constructor(loads: () => MediaLoad[], options: AdmissionOptions = {}, peerRequests: () => PeerRequestCounts = () => ({ requests: 0, resends: 0 })) {
    this.#loads = loads;
    this.#peerRequests = peerRequests;
    this.#busyMax = options.busyShareMax ?? 0.7;
    this.#lateMax = options.latenessP90MaxMs ?? 10;
    this.#mediaCpuMax = options.mediaCpuMax ?? 0.9;
    this.#cpuMax = options.signallingCpuMax ?? 0.8;
    this.#saturationElu = options.signallingSaturationElu ?? 0.98;
    this.#resendShareMin = options.signallingResendShareMin ?? 0.01;
    this.#sampleMs = options.sampleMs ?? 250;
    this.#window = Math.max(1, Math.round((options.windowMs ?? 1000) / this.#sampleMs));
    this.#saturation = Math.max(1, Math.round((options.signallingSaturationMs ?? 5000) / this.#sampleMs));
    this.#saturationAlone = Math.max(this.#saturation, Math.round((options.signallingSaturationAloneMs ?? 15_000) / this.#sampleMs));
    this.#ring = new Uint8Array(Math.max(this.#window, this.#saturationAlone));
    this.#resendRing = new Uint32Array(this.#ring.length);
    this.#requestRing = new Uint32Array(this.#ring.length);
    this.retryAfterS = options.retryAfterS ?? 2;
    this.assumedFanOut = options.assumedFanOut ?? 2;
  }

  start(): void {
    if (this.#timer) return;
    this.#elu = performance.eventLoopUtilization();
    this.#cpuMs = threadCpuPreciseMs();
    this.#cpuAt = performance.now();
    this.#peers = this.#peerRequests();
    this.#timer = setInterval(() => this.sample(), this.#sampleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Take one sample (the timer does this, on the main thread; tests pass the main thread's figures). */
  sample(signalling?: SignallingSample): void {
    const { elu, cpu, resends = 0, requests = resends } = signalling ?? this.#measureMainThread();
    let busy = Infinity;
    let late = Infinity;
    let mediaCpu = Infinity;
    let mediaOver = true;
    for (const l of this.#loads()) {
      const lCpu = l.cpuShare ?? 0;
      busy = Math.min(busy, l.busyShare);
      late = Math.min(late, l.latenessP90Ms);
      mediaCpu = Math.min(mediaCpu, lCpu);
      if (l.busyShare <= this.#busyMax && l.latenessP90Ms <= this.#lateMax && lCpu <= this.#mediaCpuMax) mediaOver = false;
    }
    const finite = (v: number) => (Number.isFinite(v) ? v : 0);
    this.#last = { busy: finite(busy), late: finite(late), mediaCpu: finite(mediaCpu), elu, cpu };
    this.#ring[this.#pos] =
      (mediaOver ? MEDIA_OVER : 0) | (cpu > this.#cpuMax ? SIGNALLING_BUSY : 0) | (elu > this.#saturationElu ? SIGNALLING_SATURATED : 0);
    this.#resendRing[this.#pos] = resends;
    this.#requestRing[this.#pos] = Math.max(requests, resends);
    this.#pos = (this.#pos + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count++;
    if (!this.#refusing) {
      if (this.#allOf(MEDIA_OVER, this.#window)) this.#reason = 'media';
      else if (this.#allOf(SIGNALLING_BUSY, this.#window) || this.#saturatedAndLate()) this.#reason = 'signalling';
      this.#refusing = this.#reason !== undefined;
    } else if (this.#noneOf(MEDIA_OVER | SIGNALLING_BUSY | SIGNALLING_SATURATED, this.#window)) {
      this.#refusing = false;
      this.#reason = undefined;
    }
  }

  /**
   * The loop saturated through the saturation window with peers resending enough of their requests in it, or through
   * the longer one alone.
   */
  #saturatedAndLate(): boolean {
    if (!this.#allOf(SIGNALLING_SATURATED, this.#saturation)) return false;
    let resends = 0;
    let requests = 0;
    for (let i = 1; i <= this.#saturation; i++) {
      const at = (this.#pos - i + this.#ring.length) % this.#ring.length;
      resends += this.#resendRing[at]!;
      requests += this.#requestRing[at]!;
    }
    const late = resends > 0 && resends >= this.#resendShareMin * requests;
    return late || this.#allOf(SIGNALLING_SATURATED, this.#saturationAlone);
  }

  /** Every one of the last `n` samples has `flag` (false until there are `n`). */
  #allOf(flag: number, n: number): boolean {
    if (this.#count < n) return false;
    for (let i = 1; i <= n; i++) if (!(this.#ring[(this.#pos - i + this.#ring.length) % this.#ring.length]! & flag)) return false;
    return true;
  }

  /** None of the last `n` samples has any of `flags` (false until there are `n`). */
  #noneOf(flags: number, n: number): boolean {
    if (this.#count < n) return false;
    for (let i = 1; i <= n; i++) if (this.#ring[(this.#pos - i + this.#ring.length) % this.#ring.length]! & flags) return false;
    return true;
  }

  /**
   * The main thread since the last sample: event-loop utilisation, its CPU share (utilisation without /proc), and the
   * peers' requests and resends.
   */
  #measureMainThread(): SignallingSample {
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, this.#elu).utilization;
    this.#elu = now;
    const cpuMs = threadCpuPreciseMs();
    const at = performance.now();
    const cpu = cpuMs !== undefined && this.#cpuMs !== undefined && at > this.#cpuAt ? (cpuMs - this.#cpuMs) / (at - this.#cpuAt) : elu;
    this.#cpuMs = cpuMs;
    this.#cpuAt = at;
    const peers = this.#peerRequests();
    const resends = peers.resends - this.#peers.resends;
    const requests = peers.requests - this.#peers.requests;
    this.#peers = peers;
    return { elu, cpu, resends, requests };
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
      mediaCpuShare: Math.round(this.#last.mediaCpu * 1000) / 1000,
      signallingElu: Math.round(this.#last.elu * 1000) / 1000,
      signallingCpu: Math.round(this.#last.cpu * 1000) / 1000,
      refused: this.#refused,
    };
  }
}
