/**
 * One RTP session (one audio m-line) of one call leg.
 *
 * Hot path, no per-packet allocation or copy of our own: the socket handler validates the RTP header and keeps
 * the datagram (dgram gives each its own Buffer) in a fixed slot ring; the media clock then calls `readInbound`
 * (decode, DTMF, room input FIFO), the room mix, and `writeOutbound` (one packet from a rotating set of
 * preallocated Buffers). In a relaying two-party room a 20 ms frame skips the ring and the clock: the socket
 * handler hands it to the other member, which sends it at once under its own header (`relayFrame`).
 *
 * Sending: one packet per tick whenever SDP allows sending and a remote address is known — a prompt frame,
 * the room mix, or encoded silence when idle (silence keeps NAT bindings and the peer's latching alive). The
 * RTP timestamp advances 160 per tick even while nothing is sent (hold), so it always follows wall time; the
 * sequence number advances per packet. Marker bit on the first packet and on the first frame of a prompt or
 * room mix after silence or a pause (a talkspurt start). Relayed frames keep the sender's timestamp spacing (its
 * timestamp plus an offset fixed when relaying starts); timestamps never go back, whichever path sent the last packet.
 *
 * Receiving: RTP and RTCP only from the source the SDP names (source-gate.ts); with `rtpLatch`, the stream may
 * latch once, before it accepted anything, to a source on the signalling peer's IP (NAT). Packets from anyone else
 * are counted (`packetsRejected`) and dropped, and nothing is ever sent to them. The sockets stay unconnected so
 * that rejected packets reach us to be counted (a connected send costs about 0.8 µs less: docs/media.md).
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { TypedEmitter } from '../util/typed-emitter.js';
import type {
  Direction,
  DtmfKey,
  DtmfSendOptions,
  DtmfSource,
  MediaStreamApi,
  MediaStreamEvents,
  MediaStreamOptions,
  MediaStreamStats,
  PlayOptions,
} from './media-types.js';
import { mediaErrors } from './errors.js';
import { ALAW_DECODE, ULAW_DECODE, decodeInto, decodeTable, encodeInto, encodeTable, silenceByte, type G711Codec } from './g711.js';
import { SdpNegotiator, directionReceives, directionSends, type NegotiatedMedia } from './sdp-negotiator.js';
import { Playlist } from './playlist.js';
import { SAMPLES_PER_FRAME, type Prompt, type PromptCache } from './prompt-cache.js';
import { Rfc4733Receiver } from './dtmf-rfc4733.js';
import { GoertzelDetector } from './dtmf-goertzel.js';
import { DtmfArbiter } from './dtmf-arbiter.js';
import { isDtmfKey } from './dtmf-keys.js';
import { DtmfSender, DTMF_EVENT, DTMF_OFF, DTMF_TONE } from './dtmf-sender.js';
import type { RoomMember } from './conference-room.js';
import { JitterFifo } from './jitter-fifo.js';
import { SenderReportWriter, isRtcp } from './rtcp.js';
import { SOURCE_LATCH, SOURCE_REJECT, SourceGate } from './source-gate.js';
import { MAX_CATCH_UP } from './media-clock.js';

/** Inbound slot ring: 32 packets (640 ms at ptime 20); payloads up to 320 bytes (40 ms of G.711; longer is cut). */
const SLOTS = 32;
const SLOT_SIZE = 320;
/** Room input FIFO: 8 frames of decoded audio. */
const FIFO_FRAMES = 8;
const FIFO_SIZE = FIFO_FRAMES * SAMPLES_PER_FRAME;
/** Start pulling room audio once 2 frames are buffered (absorbs tick/arrival phase jitter). */
const FIFO_PRIME = 2 * SAMPLES_PER_FRAME;
/** Above this much buffered audio, drop the oldest down to FIFO_PRIME (bounds the latency). */
const FIFO_HIGH = 6 * SAMPLES_PER_FRAME;
/**
 * Outgoing packet buffers per stream, used in turn. A send normally leaves inside `send()` (send-address-lookup.ts), but
 * one the kernel cannot take at once (a full socket buffer) waits in libuv's queue holding the Buffer, and a late tick
 * makes up to 1 + MAX_CATCH_UP packets at once: a buffer must not come round again before its packet left.
 */
const OUT_BUFFERS = MAX_CATCH_UP + 2;
const RTP_HEADER = 12;
/** An RFC 4733 packet: header + event, E/R/volume, duration. */
const TE_PACKET = RTP_HEADER + 4;

const KIND_NONE = 0;
const KIND_PCMU = 1;
const KIND_PCMA = 2;
const KIND_TE = 3;

/**
 * Relaying on receive: after this many ticks without a frame from the other member (it stopped sending: hold, DTX,
 * a dead phone) the tick sends silence again, to keep NAT bindings and the far end's RTP timeout alive (seconds, not
 * milliseconds). 200 ms of grace ride out arrival jitter and our own stalls: a thread behind on its sockets (a
 * collection, a long batch, a core full at the held-calls edge) reads the talker's frames late, and silence sent
 * meanwhile would go out beside those frames once they are read. With 3 ticks (until 2026-12-07), the server sent
 * 1.2–1.9× the packets it relayed at the held-calls edge of every run, when its core was already full.
 */
const RELAY_GAP_TICKS = 10;
/** A relayed timestamp further ahead of our last one than this (1 s) means the sender's clock jumped: re-anchor. */
const RELAY_MAX_TS_STEP = 8000;

/** What the engine gives a stream. */
export interface MediaStreamContext {
  id: string;
  host: string;
  port: number;
  rtp: Socket;
  rtcp: Socket;
  log: Logger;
  prompts: PromptCache;
  /** RTCP sender report interval, ms. */
  rtcpIntervalMs: number;
  joinRoom(stream: MediaStream, room: string): void;
  leaveRoom(stream: MediaStream): void;
  /** Called once when the stream closes (its sockets are closed). */
  released(stream: MediaStream): void;
  /** Called after each datagram on the RTP socket is handled: lets a due tick run inside a burst (media-clock.ts). */
  rtpHandled?(): void;
}

export interface MediaStreamStatsExt extends MediaStreamStats {
  rtcpIn: number;
  rtcpOut: number;
  /** Inbound packets lost to a full slot ring (the clock did not drain it in time). */
  overruns: number;
  /** Frames sent in a two-party room by relaying the other member's G.711 bytes (no decode, mix or encode). */
  framesRelayed: number;
}

/** A stream's counters before its first packet (the in-thread stream's start, a worker stream's before any report). */
export function zeroStreamStats(): MediaStreamStatsExt {
  return {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    packetsDropped: 0,
    packetsRejected: 0,
    rtcpIn: 0,
    rtcpOut: 0,
    overruns: 0,
    framesRelayed: 0,
  };
}

export class MediaStream extends TypedEmitter<MediaStreamEvents> implements MediaStreamApi, RoomMember {
  readonly id: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly stats: MediaStreamStatsExt = zeroStreamStats();
  readonly roomIn = new Int16Array(SAMPLES_PER_FRAME);
  readonly roomOut = new Int16Array(SAMPLES_PER_FRAME);

  readonly #ctx: MediaStreamContext;
  readonly #log: Logger;
  readonly #sdp: SdpNegotiator;
  readonly #playlist = new Playlist();
  #media: NegotiatedMedia | undefined;
  #room: string | undefined;
  #closed = false;
  #inbandEnabled: boolean;
  readonly #rtpTimeoutMs: number;
  /** True until activate() when created with deferSending: our SDP has not gone out yet. */
  #sendingDeferred: boolean;

  // --- outbound state
  readonly #ssrc = randomBytes(4).readUInt32BE(0);
  #seq = randomBytes(2).readUInt16BE(0);
  #ts = randomBytes(4).readUInt32BE(0);
  readonly #out: Buffer[] = [];
  #outIdx = 0;
  /** Whether the previous tick sent a talkspurt (prompt or mix) frame; false → next one gets the marker. */
  #talking = false;
  #sentAny = false;
  /** RTP timestamp (clock position) of the last packet sent: no later packet goes out at or before it. */
  #lastTs = 0;
  #encode: Uint8Array;
  #silence: number;
  #codec: G711Codec | undefined;
  #octetsOut = 0;
  #nextSrAt = 0;
  readonly #sr: SenderReportWriter;
  /** Outgoing DTMF queue, and its own rotating telephone-event packets (16 bytes: sent whole, no slicing). */
  readonly #dtmfOut = new DtmfSender();
  readonly #teOut: Buffer[] = [];
  #teIdx = 0;

  // --- remote: the accepted sources, which are also where we send
  readonly #gate: SourceGate;

  // --- inbound state
  /** Payload type → KIND_*. */
  readonly #ptKind = new Uint8Array(128);
  /**
   * The received datagrams themselves (dgram hands each one its own fresh Buffer, never reused): holding the
   * reference until the tick costs no copy; the slot is cleared when drained so the Buffer dies young.
   */
  readonly #slotBuf: (Buffer | undefined)[] = new Array<Buffer | undefined>(SLOTS).fill(undefined);
  readonly #slotOff = new Uint16Array(SLOTS);
  readonly #slotLen = new Uint16Array(SLOTS);
  readonly #slotKind = new Uint8Array(SLOTS);
  readonly #slotTs = new Uint32Array(SLOTS);
  #slotHead = 0;
  #slotCount = 0;
  readonly #decoded = new Int16Array(SLOT_SIZE);
  /** Room input: decoded audio for a mixing room; the G.711 bytes themselves while the room relays. */
  readonly #roomFifo = new JitterFifo(new Int16Array(FIFO_SIZE), FIFO_PRIME, FIFO_HIGH);
  readonly #relayFifo = new JitterFifo<Uint8Array>(new Uint8Array(FIFO_SIZE), FIFO_PRIME, FIFO_HIGH);
  readonly #reencoded = new Uint8Array(SLOT_SIZE);
  /** The other member of a two-party room on our codec: we send its received bytes instead of a mix. */
  #relayPeer: RoomMember | undefined;
  /** Relayed timestamp = sender's timestamp + this offset (mod 2^32), fixed at the first relayed frame. */
  #relayTsOffset = 0;
  #relayAnchored = false;
  /** A relayed frame went out since the last tick; ticks in a row without one. */
  #relayedSinceTick = false;
  #relayQuietTicks = 0;
  #relayTickAt = -1;
  #rxSinceTick = false;
  #lastRxAt = 0;
  /** The last tick's time (performance.now()), for work done between ticks. */
  #tickNow = 0;
  #timedOut = false;

  /** The RTP socket's listener: #onRtp, then the context's rtpHandled when it has one. */
  readonly #rtpListener: (msg: Buffer, rinfo: RemoteInfo) => void;

  // --- DTMF
  readonly #arbiter = new DtmfArbiter();
  readonly #rfc4733: Rfc4733Receiver;
  readonly #goertzel: GoertzelDetector;

  constructor(ctx: MediaStreamContext, options: MediaStreamOptions = {}) {
    super(ctx.log);
    this.#ctx = ctx;
    this.#log = ctx.log;
    this.id = ctx.id;
    this.localAddress = ctx.host;
    this.localPort = ctx.port;
    this.#inbandEnabled = options.inbandDtmf ?? true;
    this.#rtpTimeoutMs = Math.max(0, options.rtpTimeoutMs ?? 0);
    this.#sendingDeferred = options.deferSending ?? false;
    this.#gate = new SourceGate(options.rtpLatch ?? false, options.signallingAddress);
    this.#sdp = new SdpNegotiator(ctx.host, ctx.port);
    for (let i = 0; i < OUT_BUFFERS; i++) {
      const b = Buffer.alloc(RTP_HEADER + SAMPLES_PER_FRAME);
      b[0] = 0x80;
      b.writeUInt32BE(this.#ssrc, 8);
      this.#out.push(b);
      const te = Buffer.alloc(TE_PACKET);
      te[0] = 0x80;
      te.writeUInt32BE(this.#ssrc, 8);
      this.#teOut.push(te);
    }
    this.#dtmfOut.onDrained = () => queueMicrotask(this.#emitDtmfSent);
    this.#encode = encodeTable('PCMU');
    this.#silence = silenceByte('PCMU');
    this.#sr = new SenderReportWriter(this.#ssrc, `${ctx.id}@${ctx.host}`);
    this.#rfc4733 = new Rfc4733Receiver((key, durationMs) => this.#report(key, 'rfc4733', durationMs));
    this.#goertzel = new GoertzelDetector((key) => this.#report(key, 'inband'));
    // Before any SDP: the static G.711 types and our default telephone-event type.
    this.#ptKind[0] = KIND_PCMU;
    this.#ptKind[8] = KIND_PCMA;
    this.#ptKind[101] = KIND_TE;
    const rtpHandled = ctx.rtpHandled;
    this.#rtpListener =
      rtpHandled === undefined
        ? this.#onRtp
        : (msg: Buffer, rinfo: RemoteInfo) => {
            this.#onRtp(msg, rinfo);
            rtpHandled();
          };
    ctx.rtp.on('message', this.#rtpListener);
    ctx.rtp.on('error', this.#onSocketError);
    ctx.rtcp.on('message', this.#onRtcp);
    ctx.rtcp.on('error', this.#onSocketError);
  }

  // ------------------------------------------------------------------ public API

  get codec(): G711Codec | undefined {
    return this.#codec;
  }

  get direction(): Direction | undefined {
    return this.#media?.direction;
  }

  /** Where RTP goes now and the only source it is accepted from (the SDP address, or the latched source). */
  get remote(): { address: string; port: number } | undefined {
    const g = this.#gate;
    return g.rtpAddress ? { address: g.rtpAddress, port: g.rtpPort } : undefined;
  }

  get ssrc(): number {
    return this.#ssrc;
  }

  get playing(): boolean {
    return this.#playlist.playing;
  }

  get room(): string | undefined {
    return this.#room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether in-band (Goertzel) DTMF detection runs. */
  get inbandDtmf(): boolean {
    return this.#inbandEnabled;
  }

  set inbandDtmf(on: boolean) {
    if (on && !this.#inbandEnabled) this.#goertzel.reset();
    this.#inbandEnabled = on;
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

  // async for the contract only: the prompt is looked up and queued now (see PromptCache), a failure rejects.
  async play(path: string, options: PlayOptions = {}): Promise<void> {
    this.#assertOpen();
    this.#playlist.add(this.#ctx.prompts.get(path), options);
  }

  /** Queue a prompt already loaded (a media worker gets it from the main thread's cache). */
  playLoaded(prompt: Prompt, options: PlayOptions = {}): void {
    if (this.#closed) return;
    this.#playlist.add(prompt, options);
  }

  /**
   * Apply SDP negotiated elsewhere (a media worker's stream: the main thread's proxy runs the offer/answer and
   * sends the outcome). `answer`/`setRemoteAnswer` call this with their own negotiator's outcome.
   */
  applyNegotiated(media: NegotiatedMedia): void {
    this.#assertOpen();
    this.#apply(media);
  }

  flush(): void {
    this.#playlist.flush();
  }

  injectDtmf(key: DtmfKey, source: DtmfSource = 'info', durationMs?: number): void {
    if (this.#closed || !isDtmfKey(key)) return;
    this.#report(key, source, durationMs);
  }

  sendDtmf(keys: string, options?: DtmfSendOptions): Promise<void> {
    this.#assertOpen();
    const sent = this.#dtmfOut.enqueue(keys, options);
    // Handled here so a caller that ignores the promise cannot crash the process when the stream closes first.
    sent.catch(() => undefined);
    return sent;
  }

  join(room: string): void {
    this.#assertOpen();
    if (typeof room !== 'string' || room === '') throw mediaErrors.badOptions('room name must be a non-empty string');
    if (this.#room === room) return;
    if (this.#room !== undefined) this.#ctx.leaveRoom(this);
    this.#room = room;
    this.#roomFifo.clear();
    this.#relayFifo.clear();
    this.#ctx.joinRoom(this, room);
  }

  leave(): void {
    if (this.#room === undefined) return;
    this.#ctx.leaveRoom(this);
    this.#room = undefined;
    this.roomOut.fill(0);
  }

  activate(): void {
    this.#sendingDeferred = false;
  }

  close(): void {
    if (this.#closed) return;
    this.leave();
    this.#closed = true;
    this.#playlist.flush();
    this.#dtmfOut.cancel(() => mediaErrors.streamClosed(this.id));
    const { rtp, rtcp } = this.#ctx;
    rtp.off('message', this.#rtpListener);
    rtcp.off('message', this.#onRtcp);
    // dgram closes the file descriptor synchronously (only the callback is deferred): the ports are free now.
    for (const s of [rtp, rtcp]) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
    this.#ctx.released(this);
  }

  // ------------------------------------------------------------------ SDP application

  #assertOpen(): void {
    if (this.#closed) throw mediaErrors.streamClosed(this.id);
  }

  #apply(media: NegotiatedMedia): void {
    const prev = this.#media;
    this.#media = media;
    this.#codec = media.codec;
    this.#encode = encodeTable(media.codec);
    this.#silence = silenceByte(media.codec);
    this.#ptKind.fill(KIND_NONE);
    for (const c of media.codecs) this.#ptKind[c.pt] = c.name === 'PCMU' ? KIND_PCMU : KIND_PCMA;
    if (media.telephoneEventPt !== undefined) this.#ptKind[media.telephoneEventPt] = KIND_TE;
    const remoteChanged = !prev || prev.remoteAddress !== media.remoteAddress || prev.remotePort !== media.remotePort;
    if (remoteChanged) this.#gate.reset(media.remoteAddress, media.remotePort, media.remoteRtcpPort);
    if (!directionSends(media.direction)) this.#talking = false;
    if (!prev || directionReceives(media.direction) !== directionReceives(prev.direction) || remoteChanged) {
      this.#lastRxAt = performance.now();
      this.#timedOut = false;
    }
    if (this.#nextSrAt === 0) this.#nextSrAt = performance.now() + this.#ctx.rtcpIntervalMs * (0.5 + Math.random());
  }

  // ------------------------------------------------------------------ socket handlers (per packet)

  readonly #onSocketError = (err: Error): void => {
    // ICMP port unreachable on a connected socket (the peer went away) and the like: never fatal.
    this.#log.debug({ err: err.message }, 'media socket error');
  };

  readonly #onRtp = (msg: Buffer, rinfo: RemoteInfo): void => {
    const verdict = this.#gate.checkRtp(rinfo.address, rinfo.port);
    if (verdict === SOURCE_REJECT) {
      this.stats.packetsRejected++;
      return;
    }
    const len = msg.length;
    const b0 = msg[0]!;
    if (len < RTP_HEADER || (b0 & 0xc0) !== 0x80) {
      this.stats.packetsDropped++;
      return;
    }
    const kind = this.#ptKind[msg[1]! & 0x7f]!;
    if (kind === KIND_NONE) {
      this.stats.packetsDropped++;
      return;
    }
    let off = RTP_HEADER + (b0 & 0x0f) * 4;
    if (b0 & 0x10) {
      if (len < off + 4) {
        this.stats.packetsDropped++;
        return;
      }
      off += 4 + ((msg[off + 2]! << 8) | msg[off + 3]!) * 4;
    }
    let end = len;
    if (b0 & 0x20) end -= msg[len - 1]!;
    if (end <= off) {
      this.stats.packetsDropped++;
      return;
    }
    if (!this.#gate.rtpFixed) {
      if (verdict === SOURCE_LATCH) {
        this.#gate.latchRtp(rinfo.address, rinfo.port);
        this.emit('latched', rinfo.address, rinfo.port);
        if (this.#closed) return;
      } else this.#gate.acceptedRtp();
    }
    this.stats.packetsIn++;
    this.stats.bytesIn += len;
    this.#rxSinceTick = true;
    const peer = this.#relayPeer;
    if (peer !== undefined && kind !== KIND_TE && end - off === SAMPLES_PER_FRAME && this.#slotCount === 0) {
      // A relaying room: the frame leaves now, through the other member — no ring, no FIFO, no wait for the tick.
      // (Other frame lengths, and frames behind older ones still in the ring, take the tick's FIFO path.)
      const codec = kind === KIND_PCMU ? 'PCMU' : 'PCMA';
      peer.relayFrame(msg, off, codec, msg.readUInt32BE(4), (msg[1]! & 0x80) !== 0);
      if (this.#inbandEnabled && this.#arbiter.accepts('inband')) this.#goertzel.pushEncoded(decodeTable(codec), msg, off, SAMPLES_PER_FRAME);
      return;
    }
    if (this.#slotCount === SLOTS) {
      // The clock has not drained the ring: drop the oldest.
      this.#slotBuf[this.#slotHead] = undefined;
      this.#slotHead = (this.#slotHead + 1) % SLOTS;
      this.#slotCount--;
      this.stats.overruns++;
    }
    const idx = (this.#slotHead + this.#slotCount) % SLOTS;
    this.#slotCount++;
    this.#slotBuf[idx] = msg;
    this.#slotOff[idx] = off;
    this.#slotLen[idx] = end - off > SLOT_SIZE ? SLOT_SIZE : end - off;
    this.#slotKind[idx] = kind;
    this.#slotTs[idx] = msg.readUInt32BE(4);
  };

  readonly #onRtcp = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (!isRtcp(msg)) return;
    if (!this.#gate.checkRtcp(rinfo.address, rinfo.port)) {
      this.stats.packetsRejected++;
      return;
    }
    this.stats.rtcpIn++;
  };

  // ------------------------------------------------------------------ media clock (per tick)

  /** Tick phase 1: drain the slot ring — DTMF detection and room input. */
  readInbound(now: number): void {
    if (this.#closed) return;
    this.#tickNow = now;
    if (this.#rxSinceTick) {
      this.#rxSinceTick = false;
      this.#lastRxAt = now;
      this.#timedOut = false;
    } else if (
      this.#rtpTimeoutMs > 0 &&
      !this.#timedOut &&
      this.#media &&
      directionReceives(this.#media.direction) &&
      now - this.#lastRxAt > this.#rtpTimeoutMs
    ) {
      this.#timedOut = true;
      this.emit('rtpTimeout');
      if (this.#closed) return;
    }
    const inRoom = this.#room !== undefined;
    while (this.#slotCount > 0) {
      const idx = this.#slotHead;
      this.#slotHead = (this.#slotHead + 1) % SLOTS;
      this.#slotCount--;
      const kind = this.#slotKind[idx]!;
      const buf = this.#slotBuf[idx]!;
      this.#slotBuf[idx] = undefined;
      const off = this.#slotOff[idx]!;
      const len = this.#slotLen[idx]!;
      if (kind === KIND_TE) {
        this.#arbiter.noteSource('rfc4733');
        this.#rfc4733.onPacket(this.#slotTs[idx]!, buf, off, len);
        if (this.#closed) return;
        continue;
      }
      const inband = this.#inbandEnabled && this.#arbiter.accepts('inband');
      if (!inband && !inRoom) continue;
      const table = kind === KIND_PCMU ? ULAW_DECODE : ALAW_DECODE;
      if (inRoom && this.#relayPeer !== undefined) {
        this.#relayInput(kind, table, buf, off, len);
        if (inband) {
          this.#goertzel.pushEncoded(table, buf, off, len);
          if (this.#closed) return;
        }
        continue;
      }
      if (!inRoom) {
        // Detection only: the detector decodes in its own first pass (no intermediate buffer).
        this.#goertzel.pushEncoded(table, buf, off, len);
        if (this.#closed) return;
        continue;
      }
      decodeInto(table, buf, off, len, this.#decoded, 0);
      this.#roomFifo.write(this.#decoded, 0, len);
      if (inband) {
        this.#goertzel.push(this.#decoded, 0, len);
        if (this.#closed) return;
      }
    }
  }

  /** Relaying: keep the received bytes as they are, or (a peer that sends the other G.711 law) re-encode them. */
  #relayInput(kind: number, table: Int16Array, buf: Buffer, off: number, len: number): void {
    const sendKind = this.#codec === 'PCMA' ? KIND_PCMA : KIND_PCMU;
    if (kind === sendKind) {
      this.#relayFifo.write(buf, off, len);
      return;
    }
    decodeInto(table, buf, off, len, this.#decoded, 0);
    encodeInto(this.#encode, this.#decoded, 0, len, this.#reencoded, 0);
    this.#relayFifo.write(this.#reencoded, 0, len);
  }

  /** Room: fill `roomIn` with the next received frame (silence on underrun or while priming). */
  pullRoomAudio(): void {
    if (!this.#roomFifo.read(this.roomIn, 0, SAMPLES_PER_FRAME)) this.roomIn.fill(0);
  }

  /** Relaying room: copy our next received frame (G.711 bytes on our send codec) for the other member to send. */
  pullRelayFrame(dst: Uint8Array, offset: number): boolean {
    return this.#relayFifo.read(dst, offset, SAMPLES_PER_FRAME);
  }

  /** The room switches between relaying to `peer` (two members on one codec) and mixing (`undefined`). */
  setRelayPeer(peer: RoomMember | undefined): void {
    if (peer === this.#relayPeer) return;
    this.#relayPeer = peer;
    // Either way the timestamps take another source: the next packet is a talkspurt start (marker).
    this.#talking = false;
    this.#relayAnchored = false;
    this.#relayedSinceTick = false;
    this.#relayQuietTicks = 0;
    this.#roomFifo.clear();
    this.#relayFifo.clear();
  }

  /**
   * Relaying on receive: send the other member's 20 ms frame now, under our header. The payload goes out as it came
   * (in the received datagram itself when that is a plain packet), or re-encoded when that member's phone sends the
   * other G.711 law; the timestamp keeps the sender's spacing, so the far end's jitter buffer sees the sender's
   * timing, not ours. Outgoing DTMF replaces the frame, as it replaces a mixed one.
   */
  relayFrame(src: Buffer, off: number, codec: G711Codec, srcTs: number, srcMarker: boolean): void {
    const media = this.#media;
    if (this.#closed || this.#sendingDeferred || !media || !media.remoteAddress || !this.#gate.rtpAddress || !directionSends(media.direction)) return;
    if (this.#dtmfOut.active) return;
    let buf: Buffer;
    if (codec === this.#codec && off === RTP_HEADER && src.length === RTP_HEADER + SAMPLES_PER_FRAME) {
      // A plain packet (no CSRC, extension or padding) on our codec: dgram gave the datagram its own Buffer, which
      // nobody reads after this (the sender's in-band detector only reads the payload), so it goes out under our
      // header as it is — no copy.
      buf = src;
      buf.writeUInt32BE(this.#ssrc, 8);
    } else {
      buf = this.#out[this.#outIdx]!;
      this.#outIdx = (this.#outIdx + 1) % OUT_BUFFERS;
      if (codec === this.#codec) src.copy(buf, RTP_HEADER, off, off + SAMPLES_PER_FRAME);
      else {
        decodeInto(decodeTable(codec), src, off, SAMPLES_PER_FRAME, this.#decoded, 0);
        encodeInto(this.#encode, this.#decoded, 0, SAMPLES_PER_FRAME, buf, RTP_HEADER);
      }
    }
    let ts = (srcTs + this.#relayTsOffset) >>> 0;
    const step = (ts - this.#lastTs) | 0;
    let marker = srcMarker || !this.#talking || !this.#sentAny;
    if (!this.#relayAnchored || (this.#sentAny && (step <= 0 || step > RELAY_MAX_TS_STEP))) {
      // First relayed frame, or the sender's timestamps jumped (new SSRC, a restart) or fell behind what we sent
      // (a tick's silence or DTMF went out meanwhile): go on from our own clock, never back.
      ts = this.#notBeforeLastSent(this.#ts);
      this.#relayTsOffset = (ts - srcTs) >>> 0;
      this.#relayAnchored = true;
      marker = true;
    }
    this.#talking = true;
    this.#sentAny = true;
    this.#relayedSinceTick = true;
    this.stats.framesRelayed++;
    // The tick's time is close enough to date a sender report (and saves a clock read per packet).
    this.#sendRtp(buf, marker, media.codecPt, ts, SAMPLES_PER_FRAME, this.#tickNow, ts);
  }

  /** `ts`, or the frame after the last one sent when `ts` is not later than it: timestamps never go back. */
  #notBeforeLastSent(ts: number): number {
    return !this.#sentAny || ((ts - this.#lastTs) | 0) > 0 ? ts : (this.#lastTs + SAMPLES_PER_FRAME) >>> 0;
  }

  /**
   * Whether this tick of a relaying stream sends nothing: the other member's frames go out as they arrive
   * (`relayFrame`). After RELAY_GAP_TICKS ticks without one, the tick sends silence until they come back.
   */
  #relayQuiet(now: number): boolean {
    // Counted once per tick: a late tick's catch-up frames share its `now`, and the frames that arrived during the
    // stall are relayed right after it (timers run before socket reads), so they must not be covered with silence.
    if (now !== this.#relayTickAt) {
      this.#relayTickAt = now;
      if (this.#relayedSinceTick) {
        this.#relayedSinceTick = false;
        this.#relayQuietTicks = 0;
      } else if (this.#relayQuietTicks < RELAY_GAP_TICKS) this.#relayQuietTicks++;
    }
    return this.#relayQuietTicks < RELAY_GAP_TICKS;
  }

  /** Tick phase 3: send one packet (room mix, prompt frame or silence). */
  writeOutbound(now: number, skipped: number): void {
    if (this.#closed) return;
    let ts = this.#ts;
    this.#ts = (ts + SAMPLES_PER_FRAME * (1 + skipped)) >>> 0;
    const media = this.#media;
    if (this.#sendingDeferred || !media || !media.remoteAddress || !this.#gate.rtpAddress || !directionSends(media.direction)) {
      this.#talking = false;
      return;
    }
    const next = this.#notBeforeLastSent(ts);
    if (next !== ts) {
      // A relayed frame went out at this timestamp or later (relayed timestamps follow the sender's clock).
      ts = next;
      this.#ts = (ts + SAMPLES_PER_FRAME * (1 + skipped)) >>> 0;
    }
    const buf = this.#out[this.#outIdx]!;
    this.#outIdx = (this.#outIdx + 1) % OUT_BUFFERS;
    let talk: boolean;
    const dtmf = this.#dtmfOut.active ? this.#dtmfFrame(media, ts, buf) : DTMF_OFF;
    if (dtmf === DTMF_EVENT) return this.#sendEvent(now, ts, media.telephoneEventPt!);
    if (dtmf !== DTMF_OFF) {
      // A tone (or the silence between tones) replaces the audio; the prompt waits, the room mix is dropped.
      talk = dtmf === DTMF_TONE;
    } else if (this.#room !== undefined && this.#relayPeer !== undefined) {
      // Frames that are not 20 ms long come through the FIFO; 20 ms frames went out on arrival.
      talk = this.#relayPeer.pullRelayFrame(buf, RTP_HEADER);
      if (talk) this.stats.framesRelayed++;
      else if (this.#relayQuiet(now)) {
        this.#outIdx = (this.#outIdx + OUT_BUFFERS - 1) % OUT_BUFFERS;
        return;
      } else buf.fill(this.#silence, RTP_HEADER, RTP_HEADER + SAMPLES_PER_FRAME);
    } else if (this.#room !== undefined) {
      encodeInto(this.#encode, this.roomOut, 0, SAMPLES_PER_FRAME, buf, RTP_HEADER);
      talk = true;
    } else if (this.#playlist.copyNextFrame(media.codec, buf, RTP_HEADER)) {
      talk = true;
      if (this.#playlist.ended) {
        this.#playlist.ended = false;
        queueMicrotask(this.#emitEnded);
      }
    } else {
      buf.fill(this.#silence, RTP_HEADER, RTP_HEADER + SAMPLES_PER_FRAME);
      talk = false;
    }
    const marker = (talk && !this.#talking) || !this.#sentAny;
    this.#talking = talk;
    this.#sentAny = true;
    this.#sendRtp(buf, marker, media.codecPt, ts, SAMPLES_PER_FRAME, now, ts);
  }

  #dtmfFrame(media: NegotiatedMedia, ts: number, audio: Buffer): number {
    const te = this.#teOut[this.#teIdx]!;
    return this.#dtmfOut.frame(media.telephoneEventPt ?? -1, this.#encode, this.#silence, ts, audio, RTP_HEADER, te, RTP_HEADER);
  }

  /** Send the telephone-event packet the DTMF sender just wrote: its own timestamp, the stream's sequence. */
  #sendEvent(now: number, ts: number, pt: number): void {
    const buf = this.#teOut[this.#teIdx]!;
    this.#teIdx = (this.#teIdx + 1) % OUT_BUFFERS;
    this.#talking = false;
    this.#sentAny = true;
    this.#sendRtp(buf, this.#dtmfOut.marker, pt, this.#dtmfOut.eventTs, TE_PACKET - RTP_HEADER, now, ts);
  }

  /**
   * Stamp the header (marker, PT, the stream's sequence, `rtpTs`) of a packet whose payload is written, send it,
   * count it; `clockTs` (the tick's timestamp) dates a sender report due now. Audio and telephone-events share it.
   */
  #sendRtp(buf: Buffer, marker: boolean, pt: number, rtpTs: number, payloadBytes: number, now: number, clockTs: number): void {
    buf[1] = (marker ? 0x80 : 0) | pt;
    buf[2] = this.#seq >> 8;
    buf[3] = this.#seq & 0xff;
    buf.writeUInt32BE(rtpTs, 4);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#lastTs = clockTs;
    try {
      // Whole-buffer sends (no offset/length): dgram would otherwise allocate a slice per packet.
      this.#ctx.rtp.send(buf, this.#gate.rtpPort, this.#gate.rtpAddress);
    } catch (err) {
      this.#log.debug({ err }, 'rtp send failed');
      return;
    }
    this.stats.packetsOut++;
    this.stats.bytesOut += RTP_HEADER + payloadBytes;
    this.#octetsOut += payloadBytes;
    this.#maybeSenderReport(now, clockTs);
  }

  #maybeSenderReport(now: number, ts: number): void {
    const gate = this.#gate;
    if (now >= this.#nextSrAt && gate.rtcpAddress) {
      this.#nextSrAt = now + this.#ctx.rtcpIntervalMs * (0.75 + Math.random() * 0.5);
      const sr = this.#sr.write(Date.now(), ts, this.stats.packetsOut, this.#octetsOut);
      try {
        this.#ctx.rtcp.send(sr, 0, sr.length, gate.rtcpPort, gate.rtcpAddress);
        this.stats.rtcpOut++;
      } catch (err) {
        this.#log.debug({ err }, 'rtcp send failed');
      }
    }
  }

  readonly #emitDtmfSent = (): void => {
    if (!this.#closed) this.emit('dtmfSent');
  };

  readonly #emitEnded = (): void => {
    // Deferred to a microtask: a listener may play/flush without re-entering the tick's send path.
    if (!this.#closed && !this.#playlist.playing) this.emit('playlistEnded');
  };

  #report(key: DtmfKey, source: DtmfSource, durationMs?: number): void {
    if (!this.#arbiter.offer(key, source)) return;
    this.emit('dtmf', durationMs !== undefined ? { key, source, durationMs } : { key, source });
  }
}
