/**
 * pcap files of a whole DTMF PIN for sipp's play_pcap_audio: RFC 4733 as ONE RTP stream (a new timestamp per
 * digit, end packet sent 3 times, at the PT you negotiate), or in-band tones in PCMU/PCMA.
 * The shipped one-digit pcaps share timestamps, so a repeated digit would look like a retransmission.
 */
import { join } from 'node:path';
import { rfc4733Packets, inbandPackets, type TimedPacket } from './rtp-dtmf.js';
import { writeRtpPcap } from './pcap-rtp.js';

export function writeRfc4733Pcap(dir: string, pin: string, pt = 101): string {
  return writeRtpPcap(join(dir, `rfc4733-${pin}-pt${pt}.pcap`), rfc4733Packets(pin, { pt }));
}

export function writeInbandPcap(dir: string, pin: string, codec: 'PCMU' | 'PCMA'): string {
  return writeRtpPcap(join(dir, `inband-${pin}-${codec}.pcap`), inbandPackets(pin, codec));
}

/** Any RTP packets (e.g. known audio for a room test). */
export function writePacketsPcap(dir: string, name: string, packets: TimedPacket[]): string {
  return writeRtpPcap(join(dir, name), packets);
}
