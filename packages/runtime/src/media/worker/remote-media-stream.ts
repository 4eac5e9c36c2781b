/**
 * The main thread's face of a stream that runs on a media worker: the same MediaStreamApi as the in-thread
 * MediaStream, so a flow (and the Leg that serves it) sees no difference.
 *
 * SDP offer/answer runs here, synchronously, as the signalling needs it (a 488 must be decided before the INVITE is
 * answered); only its outcome (NegotiatedMedia) goes to the worker. Everything else is a command; what the stream
 * reports comes back as events. Validation that must throw before anything is queued (room name, DTMF keys and
 * options) runs here too, with the same functions the in-thread stream uses.
 *
 * Ordering: a `playlistEnded` the worker sent before it saw a newer play/flush of ours is stale and dropped (the
 * in-thread stream never reports the end of a playlist that was flushed or extended).
 */
import { TypedEmitter } from '../../util/typed-emitter.js';
import type { Logger } from 'pino';
import type { Direction, DtmfKey, DtmfSendOptions, DtmfSource, MediaStreamApi, MediaStreamEvents, PlayOptions } from '../media-types.js';
import { SdpNegotiator, type NegotiatedMedia } from '../sdp-negotiator.js';
import { MediaError, mediaErrors } from '../errors.js';
import { isDtmfKey } from '../dtmf-keys.js';
import { validateDtmfSend } from '../dtmf-sender.js';
import { zeroStreamStats, type MediaStreamStatsExt } from '../media-stream.js';
import type { G711Codec } from '../g711.js';
import { STREAM_STAT_FIELDS, STREAM_STAT_KEYS, type MediaCommand, type MediaEvent, type WorkerStatsReport } from './protocol.js';

/** What a remote stream needs from the engine that made it. */
export interface RemoteStreamHost {
  readonly log: Logger;
  /** The worker that runs the stream (its slot index). */
  readonly workerIndex: number;
  send(cmd: MediaCommand): void;
  /** The worker's latest stats report. */
  stats(): WorkerStatsReport | undefined;
  /**
   * Look a prompt up in the main thread's cache (read and decoded there at its first play) and make sure this worker
   * holds it; its id for `play`. Throws MediaError 'PROMPT_UNREADABLE'.
   */
  sharePrompt(path: string): number;
  join(stream: RemoteMediaStream, room: string): void;
  leave(stream: RemoteMediaStream): void;
  released(stream: RemoteMediaStream): void;
  nextRequest(): number;
}

export class RemoteMediaStream extends TypedEmitter<MediaStreamEvents> implements MediaStreamApi {
  readonly id: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly #host: RemoteStreamHost;
  /** Where this stream's counters are in the worker's reports, and the first report that has them. */
  readonly #statSlot: number;
  readonly #statsFrom: number;
  /** The counters at close (the slot then belongs to the next stream). */
  #finalStats: MediaStreamStatsExt | undefined;
  readonly #sdp: SdpNegotiator;
  #media: NegotiatedMedia | undefined;
  #room: string | undefined;
  #closed = false;
  #playing = false;
  #seq = 0;
  #inband: boolean;
  readonly #dtmfJobs = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(host: RemoteStreamHost, id: string, address: string, port: number, inbandDtmf: boolean, statSlot: number, statsFrom: number) {
    super(host.log);
    this.#host = host;
    this.#statSlot = statSlot;
    this.#statsFrom = statsFrom;
    this.id = id;
    this.localAddress = address;
    this.localPort = port;
    this.#inband = inbandDtmf;
    this.#sdp = new SdpNegotiator(address, port);
  }

  /** Counters as of the worker's last report (every 100 ms); after close, as of the close. */
  get stats(): MediaStreamStatsExt {
    if (this.#finalStats) return this.#finalStats;
    const out = zeroStreamStats();
    const report = this.#host.stats();
    const base = this.#statSlot * STREAM_STAT_FIELDS;
    if (report === undefined || report.seq < this.#statsFrom || base + STREAM_STAT_FIELDS > report.counters.length) return out;
    for (let k = 0; k < STREAM_STAT_FIELDS; k++) out[STREAM_STAT_KEYS[k]!] = report.counters[base + k]!;
    return out;
  }

  get workerIndex(): number {
    return this.#host.workerIndex;
  }

  get codec(): G711Codec | undefined {
    return this.#media?.codec;
  }

  get direction(): Direction | undefined {
    return this.#media?.direction;
  }

  get playing(): boolean {
    return this.#playing;
  }

  get room(): string | undefined {
    return this.#room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get inbandDtmf(): boolean {
    return this.#inband;
  }

  set inbandDtmf(on: boolean) {
    this.#inband = on;
    if (!this.#closed) this.#host.send({ op: 'inband', id: this.id, on });
  }

  answer(offerSdp: string): string {
    this.#assertOpen();
    const { sdp, media } = this.#sdp.answer(offerSdp);
    this.#apply(media);
    return sdp;
  }

  offer(direction: Direction = 'sendrecv'): string {
    this.#assertOpen();
    return this.#sdp.offer(direction);
  }

  setRemoteAnswer(answerSdp: string): void {
    this.#assertOpen();
    this.#apply(this.#sdp.setRemoteAnswer(answerSdp));
  }

  // async for the contract only: the prompt is looked up and the play sent now (see PromptCache), a failure rejects.
  async play(path: string, options: PlayOptions = {}): Promise<void> {
    this.#assertOpen();
    const promptId = this.#host.sharePrompt(path);
    this.#playing = true;
    this.#host.send({ op: 'play', id: this.id, promptId, front: options.front ?? false, loop: options.loop ?? false, seq: ++this.#seq });
  }

  flush(): void {
    if (this.#closed) return;
    this.#playing = false;
    this.#host.send({ op: 'flush', id: this.id, seq: ++this.#seq });
  }

  injectDtmf(key: DtmfKey, source: DtmfSource = 'info', durationMs?: number): void {
    if (this.#closed || !isDtmfKey(key)) return;
    this.#host.send({ op: 'inject', id: this.id, key, source, durationMs });
  }

  sendDtmf(keys: string, options: DtmfSendOptions = {}): Promise<void> {
    this.#assertOpen();
    validateDtmfSend(keys, options); // throws BAD_DTMF_KEY / BAD_OPTIONS before anything is queued
    const req = this.#host.nextRequest();
    const sent = new Promise<void>((resolve, reject) => this.#dtmfJobs.set(req, { resolve, reject }));
    sent.catch(() => undefined); // as in-thread: a caller that ignores the promise cannot crash the process
    this.#host.send({ op: 'sendDtmf', id: this.id, req, keys, options });
    return sent;
  }

  join(room: string): void {
    this.#assertOpen();
    if (typeof room !== 'string' || room === '') throw mediaErrors.badOptions('room name must be a non-empty string');
    if (this.#room === room) return;
    if (this.#room !== undefined) this.#host.leave(this);
    this.#room = room;
    this.#host.join(this, room);
  }

  leave(): void {
    if (this.#room === undefined) return;
    this.#host.leave(this);
    this.#room = undefined;
  }

  activate(): void {
    if (!this.#closed) this.#host.send({ op: 'activate', id: this.id });
  }

  close(): void {
    if (this.#closed) return;
    this.leave();
    this.#finalStats = this.stats;
    this.#closed = true;
    this.#playing = false;
    this.#host.send({ op: 'close', id: this.id });
    this.#rejectDtmf();
    this.#host.released(this);
  }

  /** The room's home worker died: the room is gone; the stream (on another worker) leaves it and goes on. */
  roomLost(): void {
    if (this.#closed || this.#room === undefined) return;
    this.#room = undefined;
    this.#host.send({ op: 'leave', id: this.id });
  }

  /** The worker died: the stream is gone. Closed here, then `failed` tells whoever runs the call. */
  fail(error: MediaError): void {
    if (this.#closed) return;
    this.#room = undefined;
    this.#finalStats = this.stats;
    this.#closed = true;
    this.#playing = false;
    this.#rejectDtmf();
    this.#host.released(this);
    this.emit('failed', error);
  }

  /** An event of this stream from its worker. */
  deliver(e: MediaEvent): void {
    if (this.#closed) return;
    switch (e.ev) {
      case 'dtmf':
        this.emit('dtmf', e.durationMs !== undefined ? { key: e.key, source: e.source, durationMs: e.durationMs } : { key: e.key, source: e.source });
        return;
      case 'playlistEnded':
        if (e.seq !== this.#seq) return; // a play or flush of ours crossed it: not the end of what is queued now
        this.#playing = false;
        this.emit('playlistEnded');
        return;
      case 'rtpTimeout':
        this.emit('rtpTimeout');
        return;
      case 'latched':
        this.emit('latched', e.address, e.port);
        return;
      case 'dtmfSent':
        this.emit('dtmfSent');
        return;
      case 'dtmfDone': {
        const job = this.#dtmfJobs.get(e.req);
        if (!job) return;
        this.#dtmfJobs.delete(e.req);
        if (e.error) job.reject(new MediaError(e.error.code, e.error.message, 500));
        else job.resolve();
        return;
      }
      default:
        return;
    }
  }

  #apply(media: NegotiatedMedia): void {
    this.#media = media;
    this.#host.send({ op: 'media', id: this.id, media });
  }

  #assertOpen(): void {
    if (this.#closed) throw mediaErrors.streamClosed(this.id);
  }

  /** Pending sendDtmf() promises fail with STREAM_CLOSED (built only when there are some: an Error costs a stack trace). */
  #rejectDtmf(): void {
    if (this.#dtmfJobs.size === 0) return;
    const err = mediaErrors.streamClosed(this.id);
    const jobs = [...this.#dtmfJobs.values()];
    this.#dtmfJobs.clear();
    for (const j of jobs) j.reject(err);
  }
}
