/**
 * The WebRTC side of a browser leg, whatever library does it: ICE, DTLS-SRTP (SRTP and SRTCP) and rtcp-mux towards
 * the browser, plain RTP towards us. webrtc-stream.ts relays between a transport and an ordinary engine stream.
 */
import { parse as parseSdp } from 'sdp-transform';
import { mediaErrors } from '../errors.js';

export interface WebRtcTransport {
  /** Our SDP answer, candidates included (gathering is complete). */
  readonly answer: string;
  /** The audio codec of the answer and the telephone-event payload type (the browser's, if it offered one). */
  readonly codecPt: number;
  readonly codecName: 'PCMU' | 'PCMA';
  readonly eventPt: number | undefined;
  /** ICE and DTLS are done: SRTP flows both ways. */
  readonly connected: boolean;
  /** Decrypted RTP from the browser (RTCP is not passed on). */
  onRtp(handler: (packet: Buffer) => void): void;
  /** Called once when ICE and DTLS are done, and once if the connection fails (ICE or DTLS). */
  onConnected(handler: () => void): void;
  onFailed(handler: (err: Error) => void): void;
  /** A plain RTP or RTCP packet from the engine stream: encrypted and sent to the browser (after connected). */
  send(packet: Buffer): void;
  close(): void;
}

export interface WebRtcTransportOptions {
  /** The address our ICE candidates carry (the media host). */
  host: string;
}

/** The first PCMU/PCMA of the offer (the browser's order of preference) and its 8 kHz telephone-event. */
export function pickAudio(offerSdp: string): { mid: string; codecPt: number; codecName: 'PCMU' | 'PCMA'; eventPt: number | undefined } {
  let sdp;
  try {
    sdp = parseSdp(offerSdp);
  } catch (err) {
    throw mediaErrors.badSdp(`WebRTC offer: ${(err as Error).message}`, err);
  }
  const audio = sdp.media.find((m) => m.type === 'audio');
  if (!audio || audio.port === 0) throw mediaErrors.badSdp('no audio in the WebRTC offer');
  // DTLS-SRTP authenticates the browser by this hash of its certificate (RFC 5763): no fingerprint, no call (werift
  // would otherwise take any certificate).
  if (!audio.fingerprint && !sdp.fingerprint) throw mediaErrors.badSdp('WebRTC offer without a=fingerprint');
  const rtp = audio.rtp ?? [];
  const order = String(audio.payloads ?? '')
    .split(/\s+/)
    .map(Number);
  const codec = order
    .map((pt) => rtp.find((r) => r.payload === pt))
    .find((r) => r !== undefined && /^(PCMU|PCMA)$/i.test(r.codec) && (r.rate ?? 8000) === 8000);
  if (!codec) throw mediaErrors.noCommonCodec(rtp.map((r) => r.codec).join(' '));
  const event = rtp.find((r) => /^telephone-event$/i.test(r.codec) && r.rate === 8000);
  return {
    mid: audio.mid !== undefined ? String(audio.mid) : '0',
    codecPt: codec.payload,
    codecName: codec.codec.toUpperCase() as 'PCMU' | 'PCMA',
    eventPt: event?.payload,
  };
}

/** RTCP (rtcp-mux, RFC 5761): the second byte is a packet type 192-223. */
export function isRtcpPacket(buf: Buffer): boolean {
  const pt = buf[1]! & 0x7f;
  return pt >= 64 && pt <= 95;
}
