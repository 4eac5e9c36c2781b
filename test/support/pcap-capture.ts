/**
 * Capture UDP on the loopback interface with dumpcap (pcap format) and read back the RTP packets: what really
 * went over the wire, independent of the engine's own counters.
 */
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './audio-wav.js';
import { parseRtp, type RtpPacketInfo } from './rtp-peer.js';

export interface CapturedRtp extends RtpPacketInfo {
  srcPort: number;
  dstPort: number;
}

export interface Capture {
  /** What dumpcap has written so far (it flushes its file periodically). */
  read(): CapturedRtp[];
  /** Poll the file until `predicate(packets)` holds (dumpcap hands packets over in batches). */
  waitFor(predicate: (packets: CapturedRtp[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Stop capturing and return every UDP datagram parsed as RTP, in capture order. */
  stop(): Promise<CapturedRtp[]>;
}

/** Start dumpcap on `lo` with a BPF filter (e.g. 'udp src portrange 30000-30099'); resolves once it captures. */
export async function startCapture(filter: string, timeoutMs = 15_000): Promise<Capture> {
  const file = join(tempDir('sipflow-capture-'), 'cap.pcap');
  const child = spawn('dumpcap', ['-q', '-P', '-i', 'lo', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dumpcap did not start: ${stderr}`)), timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (/Capturing on/i.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap exited (${code}): ${stderr}`));
    });
  });
  const read = () => {
    try {
      return existsSync(file) ? readPcapUdp(readFileSync(file)) : [];
    } catch {
      return []; // a half-written record
    }
  };
  return {
    read,
    async waitFor(predicate, what, ms = 15_000) {
      const end = Date.now() + ms;
      while (!predicate(read())) {
        if (Date.now() > end) throw new Error(`capture: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      return existsSync(file) ? readPcapUdp(readFileSync(file)) : [];
    },
  };
}

/** Parse a classic pcap (Ethernet or Linux cooked) into UDP payloads read as RTP. */
export function readPcapUdp(buf: Buffer): CapturedRtp[] {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20);
  const linkLen = link === 1 ? 14 : link === 113 ? 16 : link === 0 ? 4 : 0;
  const out: CapturedRtp[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) break; // partial record at the end of a file being written
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const ip = linkLen;
    if (frame.length < ip + 28 || frame[ip]! >> 4 !== 4 || frame[ip + 9] !== 17) continue;
    const ihl = (frame[ip]! & 0x0f) * 4;
    const udp = ip + ihl;
    const srcPort = frame.readUInt16BE(udp);
    const dstPort = frame.readUInt16BE(udp + 2);
    const udpLen = frame.readUInt16BE(udp + 4);
    const payload = Buffer.from(frame.subarray(udp + 8, udp + udpLen));
    const p = parseRtp(payload, { address: '127.0.0.1', port: srcPort });
    if (p) out.push({ ...p, srcPort, dstPort });
  }
  return out;
}
