/**
 * Minimal RTCP (RFC 3550): we send a compound sender report + SDES CNAME every ~5 s, and accept any
 * well-formed RTCP without acting on it.
 */

/** NTP epoch (1900) to Unix epoch (1970), in seconds. */
const NTP_OFFSET = 2208988800;

/** A reusable SR + SDES(CNAME) packet writer for one SSRC. */
export class SenderReportWriter {
  readonly #buf: Buffer;
  readonly length: number;

  constructor(ssrc: number, cname: string) {
    const name = Buffer.from(cname.slice(0, 255), 'utf8');
    // SDES chunk: SSRC(4) + CNAME item (2 + len) + end item (1), padded to a multiple of 4.
    const chunk = 4 + 2 + name.length + 1;
    const sdesLen = 4 + Math.ceil(chunk / 4) * 4;
    this.length = 28 + sdesLen;
    this.#buf = Buffer.alloc(this.length);
    const b = this.#buf;
    b[0] = 0x80; // V=2, RC=0
    b[1] = 200; // SR
    b.writeUInt16BE(6, 2);
    b.writeUInt32BE(ssrc >>> 0, 4);
    const s = 28;
    b[s] = 0x81; // V=2, SC=1
    b[s + 1] = 202; // SDES
    b.writeUInt16BE(sdesLen / 4 - 1, s + 2);
    b.writeUInt32BE(ssrc >>> 0, s + 4);
    b[s + 8] = 1; // CNAME
    b[s + 9] = name.length;
    name.copy(b, s + 10);
  }

  /** Fill in the sender info and return the packet (the same Buffer every time). */
  write(wallMs: number, rtpTimestamp: number, packets: number, octets: number): Buffer {
    const b = this.#buf;
    const secs = Math.floor(wallMs / 1000);
    b.writeUInt32BE((secs + NTP_OFFSET) >>> 0, 8);
    b.writeUInt32BE(Math.floor(((wallMs % 1000) / 1000) * 0x100000000) >>> 0, 12);
    b.writeUInt32BE(rtpTimestamp >>> 0, 16);
    b.writeUInt32BE(packets >>> 0, 20);
    b.writeUInt32BE(octets >>> 0, 24);
    return b;
  }
}

/** Whether `buf` starts like an RTCP compound packet (V=2, PT 200–206, sane length). */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 8 || (buf[0]! & 0xc0) !== 0x80) return false;
  const pt = buf[1]!;
  if (pt < 200 || pt > 206) return false;
  const words = (buf[2]! << 8) | buf[3]!;
  return (words + 1) * 4 <= buf.length;
}
