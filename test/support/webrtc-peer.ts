/**
 * A Node-side WebRTC peer for tests and benchmarks: werift's RTCPeerConnection (full ICE agent, DTLS-SRTP,
 * rtcp-mux) offering PCMU/PCMA + telephone-event with candidates on 127.0.0.1 only, standing in for a browser.
 * It records the RTP it receives (decrypted) and sends G.711 frames and RFC 4733 events.
 */
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';

export interface ReceivedRtp {
  pt: number;
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
}

export interface WebRtcPeerOptions {
  /** Codecs offered, in order of preference (default PCMU, PCMA). */
  codecs?: Array<'PCMU' | 'PCMA'>;
  /** Keep the received packets (default true; a benchmark only counts them). */
  record?: boolean;
}

const PT = { PCMU: 0, PCMA: 8 } as const;
export const EVENT_PT = 101;

export class WebRtcPeer {
  readonly pc: RTCPeerConnection;
  readonly transceiver: RTCRtpTransceiver;
  readonly packets: ReceivedRtp[] = [];
  received = 0;
  #offer = '';
  #seq = 1000;
  #timestamp = 160_000;

  private constructor(options: WebRtcPeerOptions) {
    const codecs = options.codecs ?? ['PCMU', 'PCMA'];
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [
          ...codecs.map((c) => new RTCRtpCodecParameters({ mimeType: `audio/${c}`, clockRate: 8000, channels: 1, payloadType: PT[c] })),
          new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: EVENT_PT }),
        ],
      },
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      bundlePolicy: 'max-bundle',
    });
    this.transceiver = this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    const record = options.record ?? true;
    this.transceiver.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((rtp) => {
        this.received++;
        if (!record) return;
        const h = rtp.header;
        this.packets.push({ pt: h.payloadType, seq: h.sequenceNumber, timestamp: h.timestamp, marker: h.marker, payload: Buffer.from(rtp.payload) });
      }),
    );
  }

  /** A peer with its offer ready (ICE candidates gathered). */
  static async open(options: WebRtcPeerOptions = {}): Promise<WebRtcPeer> {
    const peer = new WebRtcPeer(options);
    await peer.pc.setLocalDescription(await peer.pc.createOffer());
    if (peer.pc.iceGatheringState !== 'complete') await peer.pc.iceGatheringStateChange.watch((s) => s === 'complete');
    peer.#offer = peer.pc.localDescription!.sdp;
    return peer;
  }

  get offer(): string {
    return this.#offer;
  }

  /** Apply the server's answer: ICE checks and the DTLS handshake start. */
  async accept(answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  /** Resolves when ICE and DTLS are done (connectionState 'connected'); rejects on 'failed' or after timeoutMs. */
  connected(timeoutMs = 10_000): Promise<void> {
    if (this.pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unSubscribe();
        reject(new Error(`WebRTC peer: not connected after ${timeoutMs} ms (state ${this.pc.connectionState})`));
      }, timeoutMs);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state !== 'connected' && state !== 'failed') return;
        clearTimeout(timer);
        unSubscribe();
        if (state === 'connected') resolve();
        else reject(new Error('WebRTC peer: connection failed'));
      });
    });
  }

  /** One 20 ms G.711 frame (160 bytes) through the sender (SRTP); werift sets the SSRC and payload type. */
  sendAudio(payload: Buffer): void {
    const header = new RtpHeader({ payloadType: 0, sequenceNumber: this.#nextSeq(), timestamp: this.#nextTimestamp() });
    void this.transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
  }

  /** An RFC 4733 packet (pt 101) on the sender's SSRC; `timestamp` is the event's start. */
  sendEvent(event: number, end: boolean, duration: number, timestamp: number, marker: boolean): void {
    const sender = this.transceiver.sender;
    const payload = Buffer.alloc(4);
    payload[0] = event;
    payload[1] = (end ? 0x80 : 0) | 10;
    payload.writeUInt16BE(duration & 0xffff, 2);
    const header = new RtpHeader({ payloadType: EVENT_PT, sequenceNumber: this.#nextSeq(), timestamp, marker, ssrc: sender.ssrc });
    void sender.dtlsTransport.sendRtp(payload, header).catch(() => undefined);
  }

  /** A whole key press by RFC 4733 (start with marker, updates, three end packets), 20 ms apart. */
  async pressKey(event: number, durationMs = 100): Promise<void> {
    const ts = this.#nextTimestamp();
    const steps = Math.max(1, Math.round(durationMs / 20));
    for (let i = 1; i <= steps; i++) {
      this.sendEvent(event, false, i * 160, ts, i === 1);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < 3; i++) this.sendEvent(event, true, steps * 160, ts, false);
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => undefined);
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) & 0xffff;
    return this.#seq;
  }

  #nextTimestamp(): number {
    this.#timestamp = (this.#timestamp + 160) >>> 0;
    return this.#timestamp;
  }
}
