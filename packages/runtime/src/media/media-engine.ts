/**
 * The media engine: one per process. Owns the media clock, the RTP port pool, the prompt cache and the rooms.
 * Each 20 ms tick: every stream reads what arrived (DTMF, room input), every room mixes, every stream writes.
 *
 * @example
 * const media = await MediaEngine.create({ logger });
 * const stream = await media.createStream();
 * const answerSdp = stream.answer(offerSdp);
 * stream.on('dtmf', ({ key }) => console.log(key));
 * await stream.play('prompts/welcome.wav');
 */
import type { Logger } from 'pino';
import type { MediaEngineApi, MediaEngineOptions, MediaLoad, MediaStreamOptions, PortShare } from './media-types.js';
import { mediaErrors } from './errors.js';
import { MAX_CATCH_UP, MediaClock } from './media-clock.js';
import { PortPool } from './port-pool.js';
import { PromptCache, type Prompt } from './prompt-cache.js';
import { ConferenceRoom, type RoomMember } from './conference-room.js';
import { LinkedRoom } from './room-link.js';
import { MediaStream } from './media-stream.js';

export interface MediaEngineOptionsExt extends MediaEngineOptions {
  /** `overloaded` when the p90 tick lateness over the last second exceeds this (ms). Default 20. */
  overloadLatenessMs?: number;
  /** `overloaded` when tick work averages more than this share of the tick over the last second. Default 0.8. */
  overloadBusyShare?: number;
  /** Interval of RTCP sender reports per stream, ms (randomised ±25 %). Default 5000. */
  rtcpIntervalMs?: number;
  /** Two-party rooms on one codec relay frames instead of mixing. Default true. */
  relay?: boolean;
  /** Prefix of stream ids, unique per engine in the process (media workers each run an engine). Default 'ms-<pid>'. */
  idPrefix?: string;
}

export class MediaEngine implements MediaEngineApi {
  readonly host: string;
  readonly #log: Logger;
  readonly #clock: MediaClock;
  readonly #pool: PortPool;
  readonly #prompts = new PromptCache();
  readonly #rooms = new Map<string, ConferenceRoom | LinkedRoom>();
  readonly #streams: MediaStream[] = [];
  #needsCompact = false;
  #closed = false;
  #nextId = 1;
  #framesCaughtUp = 0;
  /** Packet totals of streams already removed. */
  #closedIn = 0;
  #closedOut = 0;
  #closedRejected = 0;
  #framesDropped = 0;
  readonly #rtcpIntervalMs: number;
  readonly #relay: boolean;
  readonly #idPrefix: string;

  private constructor(options: MediaEngineOptionsExt) {
    this.host = options.host ?? '127.0.0.1';
    this.#log = options.logger;
    const tickMs = options.tickMs ?? 20;
    if (!(tickMs >= 5 && tickMs <= 100)) throw mediaErrors.badOptions(`tickMs ${tickMs} (5–100)`);
    this.#rtcpIntervalMs = options.rtcpIntervalMs ?? 5000;
    this.#relay = options.relay ?? true;
    this.#idPrefix = options.idPrefix ?? `ms-${process.pid.toString(36)}`;
    this.#pool = new PortPool(this.host, options.portRange ?? [10000, 20000]);
    this.#clock = new MediaClock(this.#tick, {
      tickMs,
      ...(options.overloadLatenessMs !== undefined ? { overloadLatenessMs: options.overloadLatenessMs } : {}),
      ...(options.overloadBusyShare !== undefined ? { overloadBusyShare: options.overloadBusyShare } : {}),
      onError: (err) => this.#log.error({ err }, 'media tick failed'),
    });
  }

  /** Create the engine. Rejects with MediaError 'BAD_OPTIONS' on a bad port range or tick length. */
  static async create(options: MediaEngineOptionsExt): Promise<MediaEngine> {
    if (!options || typeof options !== 'object' || !options.logger) throw mediaErrors.badOptions('logger is required');
    return new MediaEngine(options);
  }

  get streamCount(): number {
    let n = 0;
    for (const s of this.#streams) if (!s.closed) n++;
    return n;
  }

  /** One share: the whole range. */
  get portShares(): PortShare[] {
    return [{ pairs: this.#pool.pairs, streams: this.streamCount }];
  }

  get clockStats(): MediaEngineApi['clockStats'] & { busyMeanMs: number; framesCaughtUp: number; framesDropped: number } {
    return { ...this.#clock.stats, framesCaughtUp: this.#framesCaughtUp, framesDropped: this.#framesDropped };
  }

  /** Forget the clock statistics (benchmarks measure one phase at a time). */
  resetClockStats(): void {
    this.#clock.resetStats();
    this.#framesCaughtUp = 0;
    this.#framesDropped = 0;
  }

  get overloaded(): boolean {
    return this.#clock.overloaded;
  }

  /** The media clock (benchmarks reset its statistics). */
  get clock(): MediaClock {
    return this.#clock;
  }

  /** Load a prompt into the cache now (e.g. to validate an app's prompts at startup). */
  loadPrompt(path: string): Promise<Prompt> {
    return this.#prompts.load(path);
  }

  async createStream(options: MediaStreamOptions = {}): Promise<MediaStream> {
    if (this.#closed) throw mediaErrors.badOptions('media engine is closed');
    const pair = await this.#pool.allocate();
    const id = `${this.#idPrefix}-${(this.#nextId++).toString(36)}`;
    const stream = new MediaStream(
      {
        id,
        host: this.host,
        port: pair.port,
        rtp: pair.rtp,
        rtcp: pair.rtcp,
        log: this.#log.child({ media: id }),
        prompts: this.#prompts,
        rtcpIntervalMs: this.#rtcpIntervalMs,
        joinRoom: (s, room) => this.#join(s, room),
        leaveRoom: (s) => this.#leave(s),
        released: (s) => this.#released(s, pair.port),
        rtpHandled: this.#runTickIfDue,
      },
      options,
    );
    if (this.#closed) {
      stream.close();
      throw mediaErrors.badOptions('media engine is closed');
    }
    this.#streams.push(stream);
    if (!this.#clock.running) this.#clock.start();
    return stream;
  }

  get rtpPacketsIn(): number {
    let n = this.#closedIn;
    for (const s of this.#streams) n += s.stats.packetsIn;
    return n;
  }

  get rtpPacketsOut(): number {
    let n = this.#closedOut;
    for (const s of this.#streams) n += s.stats.packetsOut;
    return n;
  }

  get rtpPacketsRejected(): number {
    let n = this.#closedRejected;
    for (const s of this.#streams) n += s.stats.packetsRejected;
    return n;
  }

  roomMembers(room: string): string[] {
    return this.#rooms.get(room)?.memberIds ?? [];
  }

  /** Whether a room relays (two members on one codec) rather than mixes, as of its last tick. */
  roomRelaying(room: string): boolean {
    return this.#rooms.get(room)?.relaying ?? false;
  }

  /** Headroom of the media clock over the last second: tick work as a share of the tick, and p90 lateness (ms). */
  get load(): MediaLoad {
    // A stopped clock (no streams) has all its headroom; its last second is history.
    if (!this.#clock.running) return { busyShare: 0, latenessP90Ms: 0 };
    return { busyShare: this.#clock.recentBusyShare(), latenessP90Ms: this.#clock.recentLateness(0.9) };
  }

  get loads(): MediaLoad[] {
    return [this.load];
  }

  /** Names of the rooms that have members. */
  get rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#streams]) s.close();
    this.#clock.stop();
    this.#rooms.clear();
  }

  #join(stream: MediaStream, name: string): void {
    this.#roomFor(name).add(stream);
  }

  #roomFor(name: string): ConferenceRoom | LinkedRoom {
    let room = this.#rooms.get(name);
    if (!room) {
      room = new ConferenceRoom(name, { relay: this.#relay });
      this.#rooms.set(name, room);
    }
    return room;
  }

  #leave(stream: MediaStream): void {
    const name = stream.room;
    if (name === undefined) return;
    this.removeRoomMember(name, stream);
  }

  /** A member that is not one of this engine's streams (a stream on another worker, see room-link.ts) joins a room. */
  addRoomMember(name: string, member: RoomMember): void {
    this.#roomFor(name).add(member);
  }

  removeRoomMember(name: string, member: RoomMember): void {
    const room = this.#rooms.get(name);
    if (!room) return;
    room.remove(member);
    if (room.size === 0) this.#rooms.delete(name);
  }

  /**
   * Make `name` a room whose audio is mixed on another worker (a stream of ours then joins it by that name): see
   * room-link.ts. The rings are the two directions, to the room's home worker and back.
   */
  linkRoom(name: string, toHome: SharedArrayBuffer, fromHome: SharedArrayBuffer): void {
    if (this.#rooms.has(name)) throw mediaErrors.badOptions(`room ${name} exists already`);
    this.#rooms.set(name, new LinkedRoom(name, toHome, fromHome));
  }

  #released(stream: MediaStream, port: number): void {
    this.#pool.release(port);
    if (this.#clock.ticking) this.#needsCompact = true;
    else this.#remove(stream);
  }

  #remove(stream: MediaStream): void {
    const i = this.#streams.indexOf(stream);
    if (i >= 0) {
      this.#closedIn += stream.stats.packetsIn;
      this.#closedOut += stream.stats.packetsOut;
      this.#closedRejected += stream.stats.packetsRejected;
      this.#streams[i] = this.#streams[this.#streams.length - 1]!;
      this.#streams.pop();
    }
    if (this.#streams.length === 0) this.#clock.stop();
  }

  /** The packet path's check between two datagrams (MediaStreamContext.rtpHandled). */
  readonly #runTickIfDue = (): void => this.#clock.runIfDue();

  /**
   * One clock tick. When the clock ran late by whole ticks (GC pause, a loaded machine), up to MAX_CATCH_UP
   * missed frames are produced now, back to back, so prompts and mixes stay continuous (the peer's jitter buffer
   * absorbs the burst); beyond that the rest are dropped and the RTP timestamp jumps over them.
   */
  readonly #tick = (now: number, behind: number): void => {
    const streams = this.#streams;
    const n = streams.length;
    const frames = 1 + Math.min(behind, MAX_CATCH_UP);
    const dropped = behind - (frames - 1);
    for (let f = 0; f < frames; f++) {
      if (f === 0) for (let i = 0; i < n; i++) streams[i]!.readInbound(now);
      for (const room of this.#rooms.values()) room.mix();
      const skip = f === frames - 1 ? dropped : 0;
      for (let i = 0; i < n; i++) streams[i]!.writeOutbound(now, skip);
    }
    this.#framesCaughtUp += frames - 1;
    this.#framesDropped += dropped;
    if (this.#needsCompact) {
      this.#needsCompact = false;
      for (let i = this.#streams.length - 1; i >= 0; i--) {
        if (this.#streams[i]!.closed) this.#remove(this.#streams[i]!);
      }
    }
  };
}
