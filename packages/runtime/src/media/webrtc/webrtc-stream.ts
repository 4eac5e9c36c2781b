/**
 * A WebRTC leg (a browser): a WebRTC transport does ICE, DTLS-SRTP and rtcp-mux towards the browser and relays
 * plain RTP over loopback UDP to an ordinary engine stream, which keeps everything a leg does (prompts, rooms, DTMF
 * detection and sending, timeouts) and runs on a media worker when there are some. No cryptography here.
 *
 *   browser ──SRTP/ICE── transport (libdatachannel threads) ──RTP on 127.0.0.1── engine stream (media clock, rooms, DTMF)
 *
 * The transport is node-datachannel by default (datachannel-transport.ts; cheaper per packet and off the event
 * loop), werift on request (werift-transport.ts). Per packet the main thread does one callback and one UDP send
 * each way (see docs/media.md).
 */
import type { Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { parse as parseSdp } from 'sdp-transform';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { mediaErrors } from '../errors.js';
import { bindMediaSocket } from '../send-address-lookup.js';
import type {
  Direction,
  DtmfKey,
  DtmfSendOptions,
  DtmfSource,
  MediaEngineApi,
  MediaStreamApi,
  MediaStreamEvents,
  MediaStreamOptions,
  MediaStreamStats,
  PlayOptions,
} from '../media-types.js';
import { openDataChannelTransport } from './datachannel-transport.js';
import { openWeriftTransport } from './werift-transport.js';
import { isRtcpPacket, type WebRtcTransport } from './webrtc-transport.js';

/** How long the browser has, after our answer went out, to finish ICE and the DTLS handshake. */
export const DTLS_CONNECT_TIMEOUT_MS = 10_000;

/** The library doing ICE/DTLS/SRTP: node-datachannel (libdatachannel, default) or werift (TypeScript). */
export type WebRtcStack = 'datachannel' | 'werift';

export interface WebRtcStreamOptions extends MediaStreamOptions {
  near?: MediaStreamApi;
  logger: Logger;
  /** The address our ICE candidates carry (the media host). */
  host: string;
  /** How long ICE + DTLS may take after activate() before the stream fails; default DTLS_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** Default 'datachannel'. */
  stack?: WebRtcStack;
}

/**
 * Create the WebRTC leg for a browser's offer: the engine stream, the relay socket, the transport, and the SDP
 * answer (ICE candidates gathered). Throws MediaError 'BAD_SDP' / 'NO_COMMON_CODEC' for an offer it cannot take.
 */
export async function createWebRtcStream(engine: MediaEngineApi, options: WebRtcStreamOptions, offerSdp: string): Promise<WebRtcStream> {
  const { logger, host, webrtc: _webrtc, connectTimeoutMs = DTLS_CONNECT_TIMEOUT_MS, stack = 'datachannel', ...streamOptions } = options;
  // The engine stream always waits for activate(): it must not send (nor move its playlist) before DTLS is done.
  const inner = await engine.createStream({ ...streamOptions, deferSending: true });
  let relay: Socket | undefined;
  let transport: WebRtcTransport | undefined;
  try {
    const sock = await bindMediaSocket('127.0.0.1', 0);
    relay = sock;
    transport = await (stack === 'werift' ? openWeriftTransport : openDataChannelTransport)(offerSdp, { host });
    // The engine stream's side: a plain offer from the relay socket, in the codec the browser agreed on.
    const relayPort = sock.address().port;
    const innerAnswer = inner.answer(plainOffer(relayPort, transport.codecPt, transport.codecName, transport.eventPt));
    const innerPort = parseSdp(innerAnswer).media[0]?.port;
    if (!innerPort) throw mediaErrors.badSdp('the engine stream refused the relay offer');
    const stream = new WebRtcStream(inner, transport, sock, { innerPort, offerSdp, connectTimeoutMs }, logger);
    // Without deferSending a stream sends from its answer on; here the answer exists already.
    if (!options.deferSending) stream.activate();
    return stream;
  } catch (err) {
    relay?.close();
    transport?.close();
    inner.close();
    throw err;
  }
}

function plainOffer(port: number, pt: number, name: string, eventPt: number | undefined): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=webrtc-relay',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${pt}${eventPt !== undefined ? ` ${eventPt}` : ''}`,
    `a=rtpmap:${pt} ${name}/8000`,
    ...(eventPt !== undefined ? [`a=rtpmap:${eventPt} telephone-event/8000`, `a=fmtp:${eventPt} 0-15`] : []),
    `a=rtcp:${port}`,
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** A media stream for a browser leg; everything but the SDP and the transport is the engine stream's. */
export class WebRtcStream extends TypedEmitter<MediaStreamEvents> implements MediaStreamApi {
  readonly #inner: MediaStreamApi;
  readonly #transport: WebRtcTransport;
  readonly #relay: Socket;
  readonly #offer: string;
  readonly #log: Logger;
  readonly #connectTimeoutMs: number;
  #activated = false;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #forward: Array<keyof MediaStreamEvents> = ['dtmf', 'playlistEnded', 'rtpTimeout', 'latched', 'dtmfSent', 'failed'];

  constructor(
    inner: MediaStreamApi,
    transport: WebRtcTransport,
    relay: Socket,
    sdp: { innerPort: number; offerSdp: string; connectTimeoutMs: number },
    log: Logger,
  ) {
    super(log);
    this.#inner = inner;
    this.#transport = transport;
    this.#relay = relay;
    this.#offer = sdp.offerSdp;
    this.#log = log;
    this.#connectTimeoutMs = sdp.connectTimeoutMs;
    const emit = this.emit.bind(this) as (event: keyof MediaStreamEvents, ...args: unknown[]) => void;
    for (const event of this.#forward) inner.on(event, ((...args: unknown[]) => emit(event, ...args)) as never);
    // Browser → engine: decrypted RTP goes on as plain RTP to the engine stream's port.
    const innerPort = sdp.innerPort;
    transport.onRtp((packet) => {
      if (!this.#closed) relay.send(packet, innerPort, '127.0.0.1');
    });
    // Engine → browser: its RTP (from its RTP port) and its sender reports (from port + 1), encrypted by the transport.
    relay.on('message', (buf, rinfo) => {
      if (this.#closed || buf.length < 12) return;
      if (rinfo.port === innerPort || (rinfo.port === innerPort + 1 && isRtcpPacket(buf))) transport.send(buf);
    });
    relay.on('error', (err) => log.debug({ err: err.message }, 'webrtc: relay socket error'));
    transport.onConnected(() => {
      this.#clearConnectTimer();
      // The engine stream starts sending (and its playlist moving) only now: the first prompt frame is the
      // first one the browser can decrypt, not lost to a handshake still under way.
      if (this.#activated && !this.#closed) this.#inner.activate();
    });
    transport.onFailed((err) => this.#fail(err));
  }

  get id(): string {
    return this.#inner.id;
  }
  get localAddress(): string {
    return this.#inner.localAddress;
  }
  get localPort(): number {
    return this.#inner.localPort;
  }
  get codec(): 'PCMU' | 'PCMA' | undefined {
    return this.#inner.codec;
  }
  get stats(): MediaStreamStats {
    return this.#inner.stats;
  }
  get playing(): boolean {
    return this.#inner.playing;
  }
  get room(): string | undefined {
    return this.#inner.room;
  }
  get inbandDtmf(): boolean {
    return this.#inner.inbandDtmf;
  }
  set inbandDtmf(on: boolean) {
    this.#inner.inbandDtmf = on;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** The answer to the browser's offer (computed when the stream was created); a new offer (re-INVITE) is refused. */
  answer(offerSdp: string): string {
    if (offerSdp === this.#offer) return this.#transport.answer;
    throw mediaErrors.badSdp('a new offer on a WebRTC leg (re-INVITE) is not supported');
  }

  /** Hold/resume re-offers on a WebRTC leg are not supported: the first answer stands. */
  offer(_direction?: Direction): string {
    return this.#transport.answer;
  }

  setRemoteAnswer(_answerSdp: string): void {
    throw mediaErrors.badSdp('a WebRTC leg answers offers only (no outbound WebRTC leg)');
  }

  play(path: string, options?: PlayOptions): Promise<void> {
    return this.#inner.play(path, options);
  }
  flush(): void {
    this.#inner.flush();
  }
  injectDtmf(key: DtmfKey, source: DtmfSource, durationMs?: number): void {
    this.#inner.injectDtmf(key, source, durationMs);
  }
  sendDtmf(keys: string, options?: DtmfSendOptions): Promise<void> {
    return this.#inner.sendDtmf(keys, options);
  }
  join(room: string): void {
    this.#inner.join(room);
  }
  leave(): void {
    this.#inner.leave();
  }

  /**
   * Our answer has gone out: the browser has connectTimeoutMs to finish ICE and DTLS; the engine stream starts
   * sending once it has (at once if it already has).
   */
  activate(): void {
    if (this.#activated || this.#closed) return;
    this.#activated = true;
    if (this.#transport.connected) {
      this.#inner.activate();
      return;
    }
    this.#connectTimer = setTimeout(
      () => this.#fail(new Error(`WebRTC: ICE and DTLS did not complete within ${this.#connectTimeoutMs / 1000} s`)),
      this.#connectTimeoutMs,
    );
    this.#connectTimer.unref?.();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearConnectTimer();
    this.#inner.close();
    this.#relay.close();
    this.#transport.close();
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#log.warn({ stream: this.id, err: err.message }, 'webrtc: media failed, the call ends');
    this.close();
    this.emit('failed', err);
  }
}
