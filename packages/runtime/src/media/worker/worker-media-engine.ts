/**
 * The media engine on worker threads: N media workers, each with its own sockets, clock, detectors and rooms
 * (media-worker.ts), behind the same MediaEngineApi as the in-thread engine. The main thread keeps what signalling
 * needs synchronously (SDP offer/answer, room membership, the prompt cache) and sends the rest as commands.
 *
 * Placement: a new stream goes to the worker running the fewest streams, unless `near` names a stream it must
 * share a worker with (a call's outbound legs go to its caller's worker, so the rooms a call makes never span
 * workers) or `share` names the worker admission reserved the call's ports on (`portShares`: each worker binds only
 * its own part of the range). Prompts are decoded once, here, into SharedArrayBuffers that every worker plays from.
 *
 * A worker that dies takes its streams with it: each gets `failed` (the server ends those calls cleanly) and a new
 * worker takes the slot, with the same ports, so the server goes on serving.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { MediaClockStats, MediaEngineApi, MediaLoad, MediaStreamApi, MediaStreamOptions, PortShare } from '../media-types.js';
import type { MediaEngineOptionsExt } from '../media-engine.js';
import { MediaError, mediaErrors } from '../errors.js';
import { LATENESS_BUCKETS_MS } from '../media-clock.js';
import { LATE_TICK_CAUSES, noLateTicks } from '../late-tick-causes.js';
import { PortPool } from '../port-pool.js';
import { PromptCache, sharedPromptData, type Prompt } from '../prompt-cache.js';
import { RemoteMediaStream, type RemoteStreamHost } from './remote-media-stream.js';
import { MediaWorkerSlot } from './media-worker-slot.js';
import { mediaWorkerEntry } from './worker-entry.js';
import type { MediaWorkerInit } from './protocol.js';
import { FrameRing } from '../frame-ring.js';

export interface WorkerMediaEngineOptions extends MediaEngineOptionsExt {
  /** Number of media worker threads. Default: cores − 1, at least 1. */
  workers?: number;
  /** How often each worker reports its counters and load, ms. Default 100. */
  statsIntervalMs?: number;
  /**
   * Nice value of the media worker threads, so media runs before signalling and other processes when the cores
   * are busy. Lowering it needs CAP_SYS_NICE (root, or the systemd unit's AmbientCapabilities); without it the
   * workers keep the default and say so in the log. Default -10; null leaves the threads alone.
   */
  niceness?: number | null;
  /** When a worker compacts its heap after its last stream closed (default: past 16 MB and 1.5x its start). */
  heapTrim?: { minHeapBytes: number; growthFactor: number };
}

/** Default number of media workers: one core stays with signalling. */
export function defaultMediaWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** What the engine reports per worker (admin metrics, benchmarks). */
export interface MediaWorkerInfo {
  index: number;
  generation: number;
  threadId: number;
  streams: number;
  busyShare: number;
  latenessP90Ms: number;
  /** The worker thread's CPU share of a core over the last second. */
  cpuShare: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Compactions of its heap after its last stream closed. */
  heapTrims: number;
  clock: MediaClockStats | undefined;
}

interface Room {
  /** The home worker: it mixes the room. */
  slot: MediaWorkerSlot;
  members: Set<RemoteMediaStream>;
  /** Members on other workers, linked to the home by frame rings (room-link.ts): stream id → link. */
  links: Map<string, { linkId: number; slot: MediaWorkerSlot }>;
}

/** Split [lo, hi] into `n` contiguous shares of whole even/odd pairs. */
function splitRange([lo, hi]: [number, number], n: number): [number, number][] {
  new PortPool('127.0.0.1', [lo, hi]); // validates the whole range (BAD_OPTIONS)
  const first = lo % 2 === 0 ? lo : lo + 1;
  const pairs = Math.floor((hi - 1 - first) / 2) + 1;
  if (pairs < n) throw mediaErrors.badOptions(`portRange ${lo}-${hi} holds ${pairs} port pairs, fewer than the ${n} media workers`);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = first + 2 * Math.floor((i * pairs) / n);
    const b = first + 2 * Math.floor(((i + 1) * pairs) / n) - 1;
    out.push([a, b]);
  }
  return out;
}

export class WorkerMediaEngine implements MediaEngineApi {
  readonly host: string;
  readonly #log: Logger;
  readonly #options: WorkerMediaEngineOptions;
  readonly #ranges: [number, number][];
  /** Port pairs of each worker's range. */
  readonly #pairs: number[];
  readonly #slots: MediaWorkerSlot[] = [];
  readonly #prompts = new PromptCache();
  readonly #promptIds = new WeakMap<Prompt, number>();
  #nextPromptId = 1;
  readonly #rooms = new Map<string, Room>();
  #nextReq = 1;
  #nextLink = 1;
  #closed = false;
  #restarts = 0;
  /** Packet totals of workers that died. */
  #retiredIn = 0;
  #retiredOut = 0;
  #retiredRejected = 0;

  readonly #entry: URL;

  private constructor(options: WorkerMediaEngineOptions, n: number, entry: URL) {
    this.#entry = entry;
    this.host = options.host ?? '127.0.0.1';
    this.#log = options.logger;
    this.#options = options;
    const tickMs = options.tickMs ?? 20;
    if (!(tickMs >= 5 && tickMs <= 100)) throw mediaErrors.badOptions(`tickMs ${tickMs} (5–100)`);
    this.#ranges = splitRange(options.portRange ?? [10000, 20000], n);
    this.#pairs = this.#ranges.map(([a, b]) => (b + 1 - a) / 2);
  }

  /** Start the workers. Rejects with MediaError 'BAD_OPTIONS' on bad options, 'WORKER_FAILED' if one cannot start. */
  static async create(options: WorkerMediaEngineOptions): Promise<WorkerMediaEngine> {
    if (!options || typeof options !== 'object' || !options.logger) throw mediaErrors.badOptions('logger is required');
    const n = options.workers ?? defaultMediaWorkers();
    if (!Number.isInteger(n) || n < 1 || n > 64) throw mediaErrors.badOptions(`workers ${String(n)} (1–64)`);
    const engine = new WorkerMediaEngine(options, n, await mediaWorkerEntry());
    for (let i = 0; i < n; i++) engine.#slots.push(engine.#spawn(i, 1));
    try {
      await Promise.all(engine.#slots.map((s) => s.ready));
    } catch (err) {
      await engine.close();
      throw err instanceof MediaError ? err : mediaErrors.workerFailed(-1, err instanceof Error ? err.message : String(err));
    }
    return engine;
  }

  #spawn(index: number, generation: number): MediaWorkerSlot {
    const o = this.#options;
    const init: MediaWorkerInit = {
      index,
      generation,
      host: this.host,
      portRange: this.#ranges[index]!,
      tickMs: o.tickMs ?? 20,
      rtcpIntervalMs: o.rtcpIntervalMs ?? 5000,
      relay: o.relay ?? true,
      logLevel: this.#log.level,
      statsIntervalMs: o.statsIntervalMs ?? 100,
      ...(o.niceness !== null ? { niceness: o.niceness ?? -10 } : {}),
      ...(o.heapTrim ? { heapTrim: o.heapTrim } : {}),
      ...(o.overloadLatenessMs !== undefined ? { overloadLatenessMs: o.overloadLatenessMs } : {}),
      ...(o.overloadBusyShare !== undefined ? { overloadBusyShare: o.overloadBusyShare } : {}),
    };
    return new MediaWorkerSlot(this.#entry, init, this.#log, { died: (slot, error) => this.#died(slot, error) });
  }

  get workerCount(): number {
    return this.#slots.length;
  }

  /** Workers started again after one died, since the engine started. */
  get workerRestarts(): number {
    return this.#restarts;
  }

  get workers(): MediaWorkerInfo[] {
    return this.#slots.map((s) => ({
      index: s.index,
      generation: s.generation,
      threadId: s.threadId,
      streams: s.streams.size,
      busyShare: s.stats?.busyShare ?? 0,
      latenessP90Ms: s.stats?.latenessP90Ms ?? 0,
      cpuShare: s.stats?.cpuShare ?? 0,
      cpuUserMs: s.stats?.cpuUserMs ?? 0,
      cpuSystemMs: s.stats?.cpuSystemMs ?? 0,
      heapUsedBytes: s.stats?.heapUsedBytes ?? 0,
      heapTotalBytes: s.stats?.heapTotalBytes ?? 0,
      heapTrims: s.stats?.heapTrims ?? 0,
      clock: s.stats?.clock,
    }));
  }

  /** Kill worker `index` as a crash would (the crash drill and its test); resolves once it is gone. */
  async killWorker(index: number): Promise<void> {
    const slot = this.#slots[index];
    if (!slot) throw mediaErrors.badOptions(`no media worker ${index}`);
    await slot.kill();
  }

  /** Resolves when every worker slot runs a started worker (after a restart). */
  async ready(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.ready));
  }

  async createStream(options: MediaStreamOptions & { near?: MediaStreamApi; share?: number } = {}): Promise<RemoteMediaStream> {
    if (this.#closed) throw mediaErrors.badOptions('media engine is closed');
    const slot = this.#place(options.near, options.share);
    if (!slot) throw mediaErrors.workerFailed(-1, 'no media worker is running');
    await slot.ready;
    const { near: _near, share: _share, ...streamOptions } = options;
    const res = await slot.request({ op: 'create', req: this.#nextReq++, options: streamOptions });
    if (res.ev === 'createFailed') throw new MediaError(res.code, res.message, res.code === 'NO_PORTS' ? 503 : 500);
    if (res.ev !== 'created') throw mediaErrors.workerFailed(slot.index, `unexpected answer ${res.ev}`);
    const stream = new RemoteMediaStream(this.#hostFor(slot), res.id, this.host, res.port, options.inbandDtmf ?? true, res.statSlot, res.statsFrom);
    if (!slot.alive || this.#closed) {
      stream.close();
      throw this.#closed ? mediaErrors.badOptions('media engine is closed') : mediaErrors.workerFailed(slot.index, 'died');
    }
    slot.streams.set(stream.id, stream);
    return stream;
  }

  #place(near: MediaStreamApi | undefined, share: number | undefined): MediaWorkerSlot | undefined {
    if (near instanceof RemoteMediaStream && !near.closed) {
      const slot = this.#slots[near.workerIndex];
      if (slot?.alive && slot.streams.has(near.id)) return slot;
    }
    const chosen = share === undefined ? undefined : this.#slots[share];
    if (chosen?.alive) return chosen;
    let best: MediaWorkerSlot | undefined;
    for (const s of this.#slots) if (s.alive && (!best || s.streams.size < best.streams.size)) best = s;
    return best;
  }

  /** One host per worker slot, shared by its streams (a stream holds it for its whole life). */
  readonly #hosts = new WeakMap<MediaWorkerSlot, RemoteStreamHost>();

  #hostFor(slot: MediaWorkerSlot): RemoteStreamHost {
    let host = this.#hosts.get(slot);
    if (!host) this.#hosts.set(slot, (host = this.#newHost(slot)));
    return host;
  }

  #newHost(slot: MediaWorkerSlot): RemoteStreamHost {
    return {
      log: this.#log,
      workerIndex: slot.index,
      send: (cmd) => slot.send(cmd),
      stats: () => slot.stats,
      sharePrompt: (path) => this.#sharePrompt(slot, path),
      join: (stream, room) => this.#join(slot, stream, room),
      leave: (stream) => this.#leave(stream),
      released: (stream) => slot.streams.delete(stream.id),
      nextRequest: () => this.#nextReq++,
    };
  }

  /** Look up (cached, SharedArrayBuffer) on this thread, synchronously; hand the worker the shared memory once. */
  #sharePrompt(slot: MediaWorkerSlot, path: string): number {
    const prompt = this.#prompts.get(path);
    let id = this.#promptIds.get(prompt);
    if (id === undefined) {
      id = this.#nextPromptId++;
      this.#promptIds.set(prompt, id);
    }
    if (!slot.prompts.has(id)) {
      slot.prompts.add(id);
      slot.send({ op: 'prompt', promptId: id, prompt: sharedPromptData(prompt) });
    }
    return id;
  }

  /** Load a prompt into the cache now (e.g. to validate an app's prompts at startup). */
  loadPrompt(path: string): Promise<Prompt> {
    return this.#prompts.load(path);
  }

  /**
   * Join on the room's home worker; a stream of another worker is linked to the home instead (its frames cross
   * in shared memory, see room-link.ts) — so any legs may meet, placed near each other or not.
   */
  #join(slot: MediaWorkerSlot, stream: RemoteMediaStream, name: string): void {
    let room = this.#rooms.get(name);
    if (!room) {
      room = { slot, members: new Set(), links: new Map() };
      this.#rooms.set(name, room);
    }
    room.members.add(stream);
    if (room.slot === slot) {
      slot.send({ op: 'join', id: stream.id, room: name });
      return;
    }
    const linkId = this.#nextLink++;
    const toHome = new FrameRing().shared;
    const fromHome = new FrameRing().shared;
    room.links.set(stream.id, { linkId, slot });
    room.slot.send({ op: 'linkAdd', room: name, linkId, memberId: stream.id, toHome, fromHome });
    slot.send({ op: 'joinLinked', id: stream.id, room: name, linkId, toHome, fromHome });
  }

  #leave(stream: RemoteMediaStream): void {
    const name = stream.room;
    if (name === undefined) return;
    const room = this.#rooms.get(name);
    if (!room || !room.members.delete(stream)) return;
    const link = room.links.get(stream.id);
    if (link) {
      room.links.delete(stream.id);
      room.slot.send({ op: 'linkRemove', room: name, linkId: link.linkId });
    }
    if (!stream.closed) (link?.slot ?? room.slot).send({ op: 'leave', id: stream.id });
    if (room.members.size === 0) this.#rooms.delete(name);
  }

  #died(slot: MediaWorkerSlot, error: MediaError): void {
    this.#retiredIn += slot.stats?.rtpPacketsIn ?? 0;
    this.#retiredOut += slot.stats?.rtpPacketsOut ?? 0;
    this.#retiredRejected += slot.stats?.rtpPacketsRejected ?? 0;
    for (const [name, room] of this.#rooms) {
      if (room.slot === slot) {
        // The room's mix is gone: members linked from other workers leave it (they hear silence no more, but
        // their own audio and calls go on).
        for (const s of room.members) if (room.links.has(s.id)) s.roomLost();
        this.#rooms.delete(name);
        continue;
      }
      for (const [id, link] of room.links) {
        if (link.slot !== slot) continue;
        room.links.delete(id);
        room.slot.send({ op: 'linkRemove', room: name, linkId: link.linkId });
        for (const s of room.members) if (s.id === id) room.members.delete(s);
      }
    }
    const lost = [...slot.streams.values()];
    slot.streams.clear();
    this.#log.error({ worker: slot.index, streams: lost.length, err: error.message }, 'media worker died: ending its calls, starting a new one');
    if (this.#closed) return;
    const next = this.#spawn(slot.index, slot.generation + 1);
    this.#slots[slot.index] = next;
    this.#restarts++;
    next.ready.then(
      () => this.#log.info({ worker: slot.index, generation: next.generation }, 'media worker restarted'),
      (err: unknown) => this.#log.error({ worker: slot.index, err }, 'media worker failed to restart'),
    );
    for (const s of lost) s.fail(error);
  }

  /** Each worker's part of the port range and the streams it runs (a restarting worker's slot starts at 0). */
  get portShares(): PortShare[] {
    return this.#slots.map((s, i) => ({ pairs: this.#pairs[i]!, streams: s.streams.size }));
  }

  get streamCount(): number {
    let n = 0;
    for (const s of this.#slots) n += s.streams.size;
    return n;
  }

  /** The workers' clocks together: tick counts and misses summed, lateness the worst of them. */
  get clockStats(): MediaClockStats & { busyMeanMs: number; framesCaughtUp: number; framesDropped: number } {
    const out = {
      ticks: 0,
      latenessP50: 0,
      latenessP99: 0,
      latenessMax: 0,
      ticksMissed: 0,
      lateTicks: noLateTicks(),
      latenessBuckets: new Array<number>(LATENESS_BUCKETS_MS.length + 1).fill(0),
      latenessSumMs: 0,
      busyMeanMs: 0,
      framesCaughtUp: 0,
      framesDropped: 0,
    };
    for (const s of this.#slots) {
      const c = s.stats?.clock;
      if (!c) continue;
      out.ticks += c.ticks;
      // Histograms of several clocks add up (a restarted worker starts from 0: counters reset, as Prometheus allows).
      c.latenessBuckets.forEach((n, i) => (out.latenessBuckets[i]! += n));
      out.latenessSumMs += c.latenessSumMs;
      out.ticksMissed += c.ticksMissed;
      for (const cause of LATE_TICK_CAUSES) out.lateTicks[cause] += c.lateTicks[cause];
      out.framesCaughtUp += c.framesCaughtUp;
      out.framesDropped += c.framesDropped;
      out.latenessP50 = Math.max(out.latenessP50, c.latenessP50);
      out.latenessP99 = Math.max(out.latenessP99, c.latenessP99);
      out.latenessMax = Math.max(out.latenessMax, c.latenessMax);
      out.busyMeanMs = Math.max(out.busyMeanMs, c.busyMeanMs);
    }
    return out;
  }

  /** Forget the clock statistics of every worker (benchmarks measure one phase at a time). */
  resetClockStats(): void {
    for (const s of this.#slots) s.send({ op: 'resetStats' });
  }

  get loads(): MediaLoad[] {
    return this.#slots
      .filter((s) => s.alive)
      .map((s) => ({ busyShare: s.stats?.busyShare ?? 0, latenessP90Ms: s.stats?.latenessP90Ms ?? 0, cpuShare: s.stats?.cpuShare ?? 0 }));
  }

  /** Every worker's clock is behind its budget over the last second (a new call would have nowhere to go). */
  get overloaded(): boolean {
    const limitLate = this.#options.overloadLatenessMs ?? 20;
    const limitBusy = this.#options.overloadBusyShare ?? 0.8;
    const loads = this.loads;
    return loads.length === 0 || loads.every((l) => l.latenessP90Ms > limitLate || l.busyShare > limitBusy);
  }

  roomMembers(room: string): string[] {
    return [...(this.#rooms.get(room)?.members ?? [])].map((s) => s.id);
  }

  /** Whether a room relays (two members on one codec), as of its worker's last report. */
  roomRelaying(room: string): boolean {
    const r = this.#rooms.get(room);
    return r?.slot.relayingRooms.includes(room) ?? false;
  }

  get rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  get rtpPacketsIn(): number {
    let n = this.#retiredIn;
    for (const s of this.#slots) n += s.stats?.rtpPacketsIn ?? 0;
    return n;
  }

  get rtpPacketsOut(): number {
    let n = this.#retiredOut;
    for (const s of this.#slots) n += s.stats?.rtpPacketsOut ?? 0;
    return n;
  }

  get rtpPacketsRejected(): number {
    let n = this.#retiredRejected;
    for (const s of this.#slots) n += s.stats?.rtpPacketsRejected ?? 0;
    return n;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) for (const s of [...slot.streams.values()]) s.close();
    this.#rooms.clear();
    await Promise.all(this.#slots.map((s) => s.stop()));
  }
}
