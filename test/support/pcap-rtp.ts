/**
 * A minimal pcap writer (classic libpcap format, Ethernet link type) for RTP streams that sipp replays with
 * `<exec play_pcap_audio>`. sipp rewrites addresses and ports; payload, SSRC, sequence and timestamps stay as
 * written here.
 */
import { writeFileSync } from 'node:fs';
import type { TimedPacket } from './rtp-dtmf.js';

function ipChecksum(b: Buffer, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += b.readUInt16BE(off + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Write `packets` (RTP datagrams with send times) as UDP 10.0.0.1:srcPort → 10.0.0.2:dstPort. */
export function writeRtpPcap(path: string, packets: TimedPacket[], ports = { src: 16000, dst: 16002 }): string {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const chunks: Buffer[] = [header];
  const t0 = 1_700_000_000_000; // arbitrary epoch ms
  let id = 1;
  for (const p of packets) {
    const udpLen = 8 + p.data.length;
    const ipLen = 20 + udpLen;
    const frame = Buffer.alloc(14 + ipLen);
    // Ethernet: dst, src MAC, type IPv4
    frame.set([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1], 0);
    frame.writeUInt16BE(0x0800, 12);
    const ip = 14;
    frame[ip] = 0x45;
    frame.writeUInt16BE(ipLen, ip + 2);
    frame.writeUInt16BE(id++ & 0xffff, ip + 4);
    frame[ip + 8] = 64; // TTL
    frame[ip + 9] = 17; // UDP
    frame.set([10, 0, 0, 1], ip + 12);
    frame.set([10, 0, 0, 2], ip + 16);
    frame.writeUInt16BE(ipChecksum(frame, ip, 20), ip + 10);
    const udp = ip + 20;
    frame.writeUInt16BE(ports.src, udp);
    frame.writeUInt16BE(ports.dst, udp + 2);
    frame.writeUInt16BE(udpLen, udp + 4);
    // UDP checksum 0: optional over IPv4
    p.data.copy(frame, udp + 8);
    const rec = Buffer.alloc(16);
    const ms = t0 + p.atMs;
    rec.writeUInt32LE(Math.floor(ms / 1000), 0);
    rec.writeUInt32LE(Math.round((ms % 1000) * 1000), 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    chunks.push(rec, frame);
  }
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}
