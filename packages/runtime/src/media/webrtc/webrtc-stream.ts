/**
 * A WebRTC leg (a browser): werift's RTCPeerConnection does ICE (lite: we answer the browser's checks), DTLS-SRTP
 * and rtcp-mux, and relays plain RTP over loopback UDP to an ordinary engine stream, which keeps everything a leg
 * does (prompts, rooms, DTMF detection and sending, timeouts). No cryptography here: werift does it.
 *
 *   browser ──SRTP/ICE── werift peer connection ──RTP on 127.0.0.1── engine stream (media clock, rooms, DTMF)
 *
 * The relay costs a second hop per packet on the main thread; a native WebRTC stream on the media workers would
 * save it (see docs/media.md).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { parse as parseSdp } from 'sdp-transform';
import { type MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { mediaErrors } from '../errors.js';
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

/** How long the browser has, after our answer went out, to finish ICE and the DTLS handshake. */
export const DTLS_CONNECT_TIMEOUT_MS = 10_000;

const CODECS = [
  new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
  new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
  new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: 101, parameters: '0-16' }),
];

export interface WebRtcStreamOptions extends MediaStreamOptions {
  near?: MediaStreamApi;
  logger: Logger;
  /** The address our ICE candidates carry (the media host). Loopback is otherwise skipped by werift. */
  host: string;
  /** How long ICE + DTLS may take after activate() before the stream fails; default DTLS_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
}

/**
 * Create the WebRTC leg for a browser's offer: the engine stream, the relay socket, the peer connection, and the
 * SDP answer (ICE candidates gathered). Throws MediaError 'BAD_SDP' / 'NO_COMMON_CODEC' for an offer it cannot take.
 */
export async function createWebRtcStream(engine: MediaEngineApi, options: WebRtcStreamOptions, offerSdp: string): Promise<WebRtcStream> {
  const { logger, host, webrtc: _webrtc, connectTimeoutMs = DTLS_CONNECT_TIMEOUT_MS, ...streamOptions } = options;
  // The engine stream always waits for activate(): it must not send (nor move its playlist) before DTLS is done.
  const inner = await engine.createStream({ ...streamOptions, deferSending: true });
  let relay: Socket | undefined;
  let pc: RTCPeerConnection | undefined;
  try {
    const sock = createSocket('udp4');
    relay = sock;
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => {
        sock.off('error', reject);
        resolve();
      });
    });
    pc = new RTCPeerConnection({
      codecs: { audio: CODECS },
      iceLite: true,
      // werift lists every non-loopback interface as a host candidate (and iceInterfaceAddresses does not narrow
      // that when the address is loopback): no interface scan at all, the one candidate is the media host.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [host],
      iceInterfaceAddresses: { udp4: host },
      bundlePolicy: 'max-bundle',
    });
    const answer = await negotiate(pc, offerSdp);
    const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!transceiver) throw mediaErrors.badSdp('no audio in the WebRTC offer');
    const { codecPt, codecName, eventPt } = negotiated(answer);
    // The engine stream's side: a plain offer from the relay socket, in the codec the browser agreed on.
    const relayPort = sock.address().port;
    const innerAnswer = inner.answer(plainOffer(relayPort, codecPt, codecName, eventPt));
    const innerPort = parseSdp(innerAnswer).media[0]?.port;
    if (!innerPort) throw mediaErrors.badSdp('the engine stream refused the relay offer');
    const stream = new WebRtcStream(inner, pc, transceiver, sock, { innerPort, codecPt, offerSdp, answerSdp: answer, connectTimeoutMs }, logger);
    // Without deferSending a stream sends from its answer on; here the answer exists already.
    if (!options.deferSending) stream.activate();
    return stream;
  } catch (err) {
    relay?.close();
    await pc?.close().catch(() => undefined);
    inner.close();
    throw err;
  }
}

async function negotiate(pc: RTCPeerConnection, offerSdp: string): Promise<string> {
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  } catch (err) {
    throw mediaErrors.badSdp(`WebRTC offer: ${(err as Error).message}`, err);
  }
  for (const t of pc.getTransceivers()) if (t.kind === 'audio') t.setDirection('sendrecv');
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
        if (state !== 'complete') return;
        unSubscribe();
        resolve();
      });
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw mediaErrors.badSdp('no local description');
  return sdp;
}

/** The audio codec and telephone-event payload types of our answer. */
function negotiated(answer: string): { codecPt: number; codecName: 'PCMU' | 'PCMA'; eventPt: number | undefined } {
  const audio = parseSdp(answer).media.find((m) => m.type === 'audio');
  if (!audio || audio.port === 0) throw mediaErrors.noCommonCodec('audio refused');
  const rtp = audio.rtp ?? [];
  const codec = rtp.find((r) => /^(PCMU|PCMA)$/i.test(r.codec));
  if (!codec) throw mediaErrors.noCommonCodec(rtp.map((r) => r.codec).join(' ') || 'none');
  const event = rtp.find((r) => /^telephone-event$/i.test(r.codec) && r.rate === 8000);
  return { codecPt: codec.payload, codecName: codec.codec.toUpperCase() as 'PCMU' | 'PCMA', eventPt: event?.payload };
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
  readonly #pc: RTCPeerConnection;
  readonly #relay: Socket;
  readonly #offer: string;
  readonly #answer: string;
  readonly #log: Logger;
  readonly #connectTimeoutMs: number;
  #activated = false;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #forward: Array<keyof MediaStreamEvents> = ['dtmf', 'playlistEnded', 'rtpTimeout', 'latched', 'dtmfSent', 'failed'];

  constructor(
    inner: MediaStreamApi,
    pc: RTCPeerConnection,
    transceiver: RTCRtpTransceiver,
    relay: Socket,
    sdp: { innerPort: number; codecPt: number; offerSdp: string; answerSdp: string; connectTimeoutMs: number },
    log: Logger,
  ) {
    super(log);
    this.#inner = inner;
    this.#pc = pc;
    this.#relay = relay;
    this.#offer = sdp.offerSdp;
    this.#answer = sdp.answerSdp;
    this.#log = log;
    this.#connectTimeoutMs = sdp.connectTimeoutMs;
    const emit = this.emit.bind(this) as (event: keyof MediaStreamEvents, ...args: unknown[]) => void;
    for (const event of this.#forward) inner.on(event, ((...args: unknown[]) => emit(event, ...args)) as never);
    // Browser → engine: decrypted RTP goes on as plain RTP to the engine stream's port. The remote track exists
    // once the offer was applied (werift announced it then); a later one (re-keyed SSRC) is followed too.
    const follow = (track: MediaStreamTrack) =>
      track.onReceiveRtp.subscribe((rtp) => {
        if (this.#closed) return;
        relay.send(rtp.serialize(), sdp.innerPort, '127.0.0.1');
      });
    for (const track of transceiver.receiver.tracks) follow(track);
    transceiver.onTrack.subscribe((track) => follow(track));
    // Engine → browser: audio through the sender (SRTP, its SSRC); telephone-events keep their payload type.
    const sender = transceiver.sender;
    relay.on('message', (buf, rinfo) => {
      if (this.#closed || rinfo.port !== sdp.innerPort || buf.length < 12) return;
      const pt = buf[1]! & 0x7f;
      if (pt >= 72 && pt <= 79) return; // RTCP from the engine stream: the browser gets werift's own
      let packet: RtpPacket;
      try {
        packet = RtpPacket.deSerialize(buf);
      } catch {
        return;
      }
      if (pt === sdp.codecPt) {
        void sender.sendRtp(packet).catch(() => undefined);
      } else if (sender.dtlsTransport.state === 'connected') {
        packet.header.ssrc = sender.ssrc;
        void sender.dtlsTransport.sendRtp(packet.payload, packet.header).catch(() => undefined);
      }
    });
    relay.on('error', (err) => log.debug({ err: err.message }, 'webrtc: relay socket error'));
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        this.#clearConnectTimer();
        // The engine stream starts sending (and its playlist moving) only now: the first prompt frame is the
        // first one the browser can decrypt, not lost to a handshake still under way.
        if (this.#activated && !this.#closed) this.#inner.activate();
      }
      if (state === 'failed') this.#fail(new Error('WebRTC connection failed (ICE or DTLS)'));
    });
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
  get closed(): boolean {
    return this.#closed;
  }

  /** The answer to the browser's offer (computed when the stream was created); a new offer (re-INVITE) is refused. */
  answer(offerSdp: string): string {
    if (offerSdp === this.#offer) return this.#answer;
    throw mediaErrors.badSdp('a new offer on a WebRTC leg (re-INVITE) is not supported');
  }

  /** Hold/resume re-offers on a WebRTC leg are not supported: the first answer stands. */
  offer(_direction?: Direction): string {
    return this.#answer;
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
    if (this.#pc.connectionState === 'connected') {
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
    void this.#pc.close().catch(() => undefined);
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
