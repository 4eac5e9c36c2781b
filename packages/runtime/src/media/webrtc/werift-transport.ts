/**
 * The WebRTC transport on werift 0.24.4 (TypeScript ICE-lite, DTLS, SRTP): the stack of the first WebRTC legs,
 * kept selectable (`stack: 'werift'`) as the measured baseline of `npm run bench -- webrtc`. Everything here runs
 * on the main thread's event loop, SRTP included.
 */
import { type MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpPacket } from 'werift';
import { mediaErrors } from '../errors.js';
import { isRtcpPacket, pickAudio, type WebRtcTransport, type WebRtcTransportOptions } from './webrtc-transport.js';
import { WebRtcTransportBase } from './webrtc-transport-base.js';

export async function openWeriftTransport(offerSdp: string, options: WebRtcTransportOptions): Promise<WebRtcTransport> {
  const chosen = pickAudio(offerSdp);
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({ mimeType: `audio/${chosen.codecName}`, clockRate: 8000, channels: 1, payloadType: chosen.codecPt }),
        ...(chosen.eventPt !== undefined
          ? [
              new RTCRtpCodecParameters({
                mimeType: 'audio/telephone-event',
                clockRate: 8000,
                channels: 1,
                payloadType: chosen.eventPt,
                parameters: '0-16',
              }),
            ]
          : []),
      ],
    },
    iceLite: true,
    // werift lists every non-loopback interface as a host candidate (and iceInterfaceAddresses does not narrow
    // that when the address is loopback): no interface scan at all, the one candidate is the media host.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [options.host],
    iceInterfaceAddresses: { udp4: options.host },
    bundlePolicy: 'max-bundle',
  });
  try {
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    } catch (err) {
      throw mediaErrors.badSdp(`WebRTC offer: ${(err as Error).message}`, err);
    }
    const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!transceiver) throw mediaErrors.badSdp('no audio in the WebRTC offer');
    transceiver.setDirection('sendrecv');
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((state) => state === 'complete');
    const answer = pc.localDescription?.sdp;
    if (!answer) throw mediaErrors.badSdp('no local description');
    return new WeriftTransport(pc, answer, chosen);
  } catch (err) {
    await pc.close().catch(() => undefined);
    throw err;
  }
}

class WeriftTransport extends WebRtcTransportBase {
  readonly #pc: RTCPeerConnection;

  constructor(pc: RTCPeerConnection, answer: string, chosen: ReturnType<typeof pickAudio>) {
    super(answer, chosen);
    this.#pc = pc;
    const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio')!;
    // The remote track exists once the offer was applied; a later one (re-keyed SSRC) is followed too.
    const follow = (track: MediaStreamTrack) => track.onReceiveRtp.subscribe((rtp) => this.rtpReceived(rtp.serialize()));
    for (const track of transceiver.receiver.tracks) follow(track);
    transceiver.onTrack.subscribe((track) => follow(track));
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.connectionUp();
      if (state === 'failed') this.connectionFailed();
    });
  }

  send(buf: Buffer): void {
    // werift sends its own RTCP; audio goes through the sender (its SSRC); telephone-events keep their PT.
    if (this.closed || !this.connected || isRtcpPacket(buf)) return;
    let packet: RtpPacket;
    try {
      packet = RtpPacket.deSerialize(buf);
    } catch {
      return;
    }
    const sender = this.#pc.getTransceivers()[0]!.sender;
    if (packet.header.payloadType === this.codecPt) {
      void sender.sendRtp(packet).catch(() => undefined);
    } else if (sender.dtlsTransport.state === 'connected') {
      packet.header.ssrc = sender.ssrc;
      void sender.dtlsTransport.sendRtp(packet.payload, packet.header).catch(() => undefined);
    }
  }

  protected release(): void {
    void this.#pc.close().catch(() => undefined);
  }
}
