/**
 * What every WebRTC transport shares, whatever library runs it: the codec the answer chose, the connected and closed
 * flags, and the three handlers webrtc-stream.ts sets. A transport reports what its library saw through rtpReceived,
 * connectionUp and connectionFailed (each ignored once closed) and frees its library's objects in release().
 */
import type { pickAudio, WebRtcTransport } from './webrtc-transport.js';

export abstract class WebRtcTransportBase implements WebRtcTransport {
  readonly answer: string;
  readonly codecPt: number;
  readonly codecName: 'PCMU' | 'PCMA';
  readonly eventPt: number | undefined;
  #connected = false;
  #closed = false;
  #onRtp: (packet: Buffer) => void = () => undefined;
  #onConnected: () => void = () => undefined;
  #onFailed: (err: Error) => void = () => undefined;

  protected constructor(answer: string, chosen: ReturnType<typeof pickAudio>) {
    this.answer = answer;
    this.codecPt = chosen.codecPt;
    this.codecName = chosen.codecName;
    this.eventPt = chosen.eventPt;
  }

  get connected(): boolean {
    return this.#connected;
  }
  protected get closed(): boolean {
    return this.#closed;
  }

  onRtp(handler: (packet: Buffer) => void): void {
    this.#onRtp = handler;
  }
  onConnected(handler: () => void): void {
    this.#onConnected = handler;
  }
  onFailed(handler: (err: Error) => void): void {
    this.#onFailed = handler;
  }

  abstract send(packet: Buffer): void;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.release();
  }

  /** Closes the library's connection (once, from close()). */
  protected abstract release(): void;

  /** A decrypted RTP packet from the browser. */
  protected rtpReceived(packet: Buffer): void {
    if (!this.#closed) this.#onRtp(packet);
  }

  /** ICE and DTLS are done (the first time only). */
  protected connectionUp(): void {
    if (this.#closed || this.#connected) return;
    this.#connected = true;
    this.#onConnected();
  }

  protected connectionFailed(): void {
    if (!this.#closed) this.#onFailed(new Error('WebRTC connection failed (ICE or DTLS)'));
  }
}
