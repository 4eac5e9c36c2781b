/**
 * The public face of the media engine. It knows nothing of SIP or XState: the flow layer hands it SDP strings
 * and DTMF from SIP INFO, and listens to its events.
 */
import type { Logger } from 'pino';
import type { LateTickCounts } from './late-tick-causes.js';

export interface MediaEngineOptions {
  /** Address RTP/RTCP sockets bind to and that our SDP advertises. Default '127.0.0.1'. */
  host?: string;
  /** Inclusive RTP port range; even ports for RTP, port+1 for RTCP. Default [10000, 20000]. */
  portRange?: [number, number];
  /** Tick length of the media clock in ms. Default 20 (ptime). */
  tickMs?: number;
  logger: Logger;
}

export interface MediaStreamOptions {
  /** Run Goertzel in-band DTMF detection on received G.711 audio. Default true. */
  inbandDtmf?: boolean;
  /** Raise 'rtpTimeout' when no RTP arrives for this many ms after the first packet (or after start). 0 = off. Default 0. */
  rtpTimeoutMs?: number;
  /**
   * Send nothing until `activate()` is called. The server sets it for inbound calls: their SDP answer is computed
   * when the INVITE arrives (to reject a bad offer with 488 before any flow runs) but only goes out with the 183/200,
   * and RTP must not reach the caller before that. Default false.
   */
  deferSending?: boolean;
  /**
   * NAT: allow the stream to latch once, before it accepted any RTP, to a source on `signallingAddress` (any
   * port) instead of the address the SDP names. Default false: RTP and RTCP only from the SDP's address and ports.
   */
  rtpLatch?: boolean;
  /** IP address of the signalling peer (where the INVITE came from or went to): the only IP `rtpLatch` latches to. */
  signallingAddress?: string;
  /**
   * A WebRTC leg (a browser calling over SIP over WebSocket, offer `UDP/TLS/RTP/SAVPF`, see `isWebRtcOffer`): the
   * stream answers with ICE-lite candidates, DTLS-SRTP (fingerprint, setup role as the offer allows) and rtcp-mux,
   * and otherwise behaves as any stream (prompts, rooms, DTMF). Default false: plain RTP/AVP.
   */
  webrtc?: boolean;
}

export type DtmfSource = 'rfc4733' | 'info' | 'inband';
/** A DTMF key: '0'-'9', '*', '#', 'A'-'D'. */
export type DtmfKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

export interface DtmfEvent {
  key: DtmfKey;
  source: DtmfSource;
  /** Duration in ms when known (RFC 4733 end, INFO Duration). */
  durationMs?: number;
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export type MediaStreamEvents = {
  /** Emitted once per key press, whichever way it came (deduplicated across sources). */
  dtmf: [event: DtmfEvent];
  /** The playlist ran out (not emitted on flush). */
  playlistEnded: [];
  /** No RTP for rtpTimeoutMs. */
  rtpTimeout: [];
  /** The remote address latched (symmetric RTP). */
  latched: [address: string, port: number];
  /** Everything queued with sendDtmf has gone out (emitted each time the send queue drains). */
  dtmfSent: [];
  /**
   * The stream is lost: the media worker that ran it died. It is closed; the call cannot go on (the server ends it
   * with BYE, or 500 before answer). Never emitted by the in-thread engine.
   */
  failed: [error: Error];
};

export interface DtmfSendOptions {
  /** Tone (event) length per key, ms, rounded to whole 20 ms frames; 20-8000. Default 100. */
  durationMs?: number;
  /** Pause after each key, ms, rounded to whole frames; 0-10000. Default 60. */
  gapMs?: number;
}

export interface PlayOptions {
  /** Put in front of the playlist instead of at the end. Default false. */
  front?: boolean;
  /** Repeat forever until flushed. Default false. */
  loop?: boolean;
}

/** Counters of one stream. */
export interface MediaStreamStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets ignored from the accepted source: malformed, unknown payload type. */
  packetsDropped: number;
  /** RTP and RTCP packets from a source other than the accepted one (the SDP's, or the latched one): dropped. */
  packetsRejected: number;
}

/**
 * One RTP session (one m=audio line) of one call leg.
 * SDP: call `answer(offer)` for an inbound offer, or `offer()` then `setRemoteAnswer(answer)` for an outbound call.
 */
export interface MediaStreamApi {
  readonly id: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** Negotiated codec, once SDP is done. */
  readonly codec: 'PCMU' | 'PCMA' | undefined;
  readonly stats: MediaStreamStats;

  /** Answer an SDP offer (also for re-INVITE: hold/resume). Throws MediaError 'NO_COMMON_CODEC' or 'BAD_SDP'. */
  answer(offerSdp: string): string;
  /** Our SDP offer (PCMU, PCMA, telephone-event). Call again for a re-INVITE offer (same session, version+1). */
  offer(direction?: Direction): string;
  /** Apply the answer to our offer. Throws MediaError 'NO_COMMON_CODEC' or 'BAD_SDP'. */
  setRemoteAnswer(answerSdp: string): void;

  /**
   * Queue a WAV prompt, loaded synchronously (cached): when play() returns, the prompt is queued, or the promise is
   * already rejected with MediaError 'PROMPT_UNREADABLE' naming the file and nothing was queued. So prompts play in the
   * order of the calls, and a failure is known before any I/O or timer event that comes after the call.
   */
  play(path: string, options?: PlayOptions): Promise<void>;
  /** Empty the playlist; the prompt stops within one tick. No 'playlistEnded'. */
  flush(): void;
  /** Whether the playlist has something to play. */
  readonly playing: boolean;

  /**
   * Whether in-band (Goertzel) DTMF detection runs on the received audio (RFC 4733 and INFO are always taken). A
   * leg turns it on while its flow is in a state that takes `dtmf` events, and off otherwise.
   */
  inbandDtmf: boolean;

  /** Hand in a DTMF received by other means (SIP INFO); deduplicated with the other sources. */
  injectDtmf(key: DtmfKey, source: DtmfSource, durationMs?: number): void;

  /**
   * Send DTMF `keys` ('0'-'9', '*', '#', 'A'-'D') to the far end, after anything queued before. RFC 4733
   * telephone-events when the SDP agreed on telephone-event, else in-band tones in the G.711 audio; the prompt or
   * room audio is held back while a key sounds. Throws MediaError 'BAD_DTMF_KEY' (naming the key) or 'BAD_OPTIONS'
   * before queuing anything. Resolves when these keys have gone out; rejects 'STREAM_CLOSED' if the stream closes
   * first. While the stream may not send (hold, before activate()) the queue waits. 'dtmfSent' when it drains.
   */
  sendDtmf(keys: string, options?: DtmfSendOptions): Promise<void>;

  /** Join a conference room by name (leaves any other room). While in a room, the room's mix is sent instead of the playlist. */
  join(room: string): void;
  leave(): void;
  readonly room: string | undefined;

  /** End a `deferSending` hold: RTP flows from the next tick. Idempotent. */
  activate(): void;

  /** Stop sending/receiving, release the ports. Idempotent. */
  close(): void;
  readonly closed: boolean;

  on<K extends keyof MediaStreamEvents>(event: K, listener: (...args: MediaStreamEvents[K]) => void): this;
  off<K extends keyof MediaStreamEvents>(event: K, listener: (...args: MediaStreamEvents[K]) => void): this;
}

export interface MediaClockStats {
  ticks: number;
  /** Lateness of tick starts vs. their deadlines, ms. */
  latenessP50: number;
  latenessP99: number;
  latenessMax: number;
  /** Ticks skipped because the clock fell more than one tick behind. */
  ticksMissed: number;
  /**
   * Ticks at least half a tick (10 ms) late, by what took most of the delay: the thread waited for a CPU, a garbage
   * collection, or its own work (late-tick-causes.ts).
   */
  lateTicks: LateTickCounts;
  /**
   * Cumulative lateness histogram: ticks at most LATENESS_BUCKETS_MS[i] late (the last, +Inf, equals `ticks`), and
   * the lateness summed (ms). Counters, so a scrape before and after a load gives that load's own quantiles.
   */
  latenessBuckets: number[];
  latenessSumMs: number;
}

/** How busy a media clock was over the last second. */
export interface MediaLoad {
  /** Tick work as a share of the tick length (0–1+). */
  busyShare: number;
  /** 90th percentile of tick lateness, ms. */
  latenessP90Ms: number;
  /**
   * A media worker's own CPU time over the last second, as a share of one core: ticks, and the frames relayed from
   * the socket handler between them. Absent for the in-thread engine, whose thread the signalling rule judges.
   */
  cpuShare?: number;
}

/** One media clock's share of the RTP port range: one per media worker (each binds its own part), one in-thread. */
export interface PortShare {
  /** RTP/RTCP port pairs in the share. */
  pairs: number;
  /** Streams on it now, each holding one pair (streams still being created are not counted). */
  streams: number;
}

/** One per process: owns the media clock, the port pool and the rooms. */
export interface MediaEngineApi {
  readonly host: string;
  /**
   * Allocate ports and create a stream. Rejects with MediaError 'NO_PORTS' when the range is exhausted.
   * `near`: a stream the new one may meet in a room (media workers place both on one worker).
   * `share`: the index in `portShares` to place it on (admission chose it; `near` wins when both are given).
   */
  createStream(options?: MediaStreamOptions & { near?: MediaStreamApi; share?: number }): Promise<MediaStreamApi>;
  /** The port range's shares, in placement order (admission counts the ports a call will need on one share). */
  readonly portShares?: readonly PortShare[];
  /** Load of each media clock over the last second (one for the in-thread engine, one per media worker). */
  readonly loads: MediaLoad[];
  readonly streamCount: number;
  readonly clockStats: MediaClockStats;
  /** True when the clock is behind its budget (the server then answers new INVITEs with 503). */
  readonly overloaded: boolean;
  /** Members of a room (stream ids). */
  roomMembers(room: string): string[];
  /** RTP packets received / sent by all streams since the engine started (closed streams included). */
  readonly rtpPacketsIn?: number;
  readonly rtpPacketsOut?: number;
  /** RTP and RTCP packets rejected for their source, all streams since the engine started. */
  readonly rtpPacketsRejected?: number;
  /** Close every stream and stop the clock. */
  close(): Promise<void>;
}
