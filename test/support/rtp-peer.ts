/**
 * A raw dgram RTP peer for loopback tests: records every datagram it receives (parsed RTP header + payload)
 * and sends hand-built RTP packets. Independent of the media engine's code on purpose.
 */
import { createSocket, type Socket } from 'node:dgram';
import alawmulaw from 'alawmulaw';

export interface RtpPacketInfo {
  version: number;
  marker: boolean;
  pt: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
  from: { address: string; port: number };
  at: number;
}

export function parseRtp(msg: Buffer, from: { address: string; port: number }): RtpPacketInfo | undefined {
  if (msg.length < 12) return undefined;
  const cc = msg[0]! & 0x0f;
  const off = 12 + cc * 4;
  return {
    version: msg[0]! >> 6,
    marker: (msg[1]! & 0x80) !== 0,
    pt: msg[1]! & 0x7f,
    seq: msg.readUInt16BE(2),
    timestamp: msg.readUInt32BE(4),
    ssrc: msg.readUInt32BE(8),
    payload: msg.subarray(off),
    from,
    at: performance.now(),
  };
}

export function buildRtp(opts: { pt: number; seq: number; timestamp: number; ssrc: number; marker?: boolean; payload: Uint8Array }): Buffer {
  const b = Buffer.alloc(12 + opts.payload.length);
  b[0] = 0x80;
  b[1] = (opts.marker ? 0x80 : 0) | (opts.pt & 0x7f);
  b.writeUInt16BE(opts.seq & 0xffff, 2);
  b.writeUInt32BE(opts.timestamp >>> 0, 4);
  b.writeUInt32BE(opts.ssrc >>> 0, 8);
  Buffer.from(opts.payload).copy(b, 12);
  return b;
}

/** RFC 4733 payload: event, end bit, volume 10, duration in timestamp units. */
export function telephoneEventPayload(event: number, end: boolean, duration: number): Buffer {
  const p = Buffer.alloc(4);
  p[0] = event;
  p[1] = (end ? 0x80 : 0) | 10;
  p.writeUInt16BE(duration & 0xffff, 2);
  return p;
}

export class RtpPeer {
  readonly packets: RtpPacketInfo[] = [];
  readonly rtcp: Buffer[] = [];
  #waiters: Array<() => void> = [];

  private constructor(
    readonly socket: Socket,
    readonly port: number,
    readonly rtcpSocket: Socket | undefined,
    /** The address the peer is bound to (any 127.x.y.z). */
    readonly host = '127.0.0.1',
  ) {
    socket.on('message', (msg, rinfo) => {
      const p = parseRtp(msg, { address: rinfo.address, port: rinfo.port });
      if (p) this.packets.push(p);
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    });
    rtcpSocket?.on('message', (msg) => this.rtcp.push(msg));
  }

  /** Bind on `host` (default 127.0.0.1): an ephemeral port, or `port` (and port+1 for RTCP when `withRtcp`). */
  static async open(options: { port?: number; withRtcp?: boolean; host?: string } = {}): Promise<RtpPeer> {
    const host = options.host ?? '127.0.0.1';
    const bind = (port: number) =>
      new Promise<Socket>((resolve, reject) => {
        const s = createSocket('udp4');
        s.once('error', reject);
        s.bind(port, host, () => resolve(s));
      });
    const sock = await bind(options.port ?? 0);
    const port = sock.address().port;
    const rtcp = options.withRtcp ? await bind(port + 1) : undefined;
    return new RtpPeer(sock, port, rtcp, host);
  }

  /** A minimal SDP offer pointing at this peer. */
  offer(opts: { payloads?: string; direction?: string; extra?: string[]; address?: string } = {}): string {
    const address = opts.address ?? this.host;
    return [
      'v=0',
      `o=peer 42 1 IN IP4 ${this.host}`,
      's=peer',
      `c=IN IP4 ${address}`,
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${opts.payloads ?? '0 8 101'}`,
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      ...(opts.extra ?? []),
      `a=${opts.direction ?? 'sendrecv'}`,
      '',
    ].join('\r\n');
  }

  send(buf: Uint8Array, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(buf, port, address, (err) => (err ? reject(err) : resolve())));
  }

  /** Resolve once `predicate()` holds, re-checked on every packet; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  close(): void {
    this.socket.close();
    this.rtcpSocket?.close();
  }
}

/** One RFC 4733 event as received: its packets in arrival order (all at the event's timestamp). */
export interface ReceivedDtmfEvent {
  /** The key ('0'-'9', '*', '#', 'A'-'D'), or `?<n>` for an event number outside 0-15. */
  key: string;
  timestamp: number;
  packets: RtpPacketInfo[];
  /** Per packet: the E (end) bit and the duration field (8 kHz ticks). */
  ends: boolean[];
  durations: number[];
}

/**
 * Split the telephone-event packets at `pt` into events, a new event wherever the RTP timestamp changes (RFC
 * 4733 §2.5.1: every packet of one event carries the event's start timestamp). Independent of the engine's code.
 */
export function rfc4733Events(packets: readonly RtpPacketInfo[], pt: number): ReceivedDtmfEvent[] {
  const out: ReceivedDtmfEvent[] = [];
  for (const p of packets) {
    if (p.pt !== pt || p.payload.length < 4) continue;
    const n = p.payload[0]!;
    let ev = out.at(-1);
    if (!ev || ev.timestamp !== p.timestamp) {
      ev = { key: n < 16 ? '0123456789*#ABCD'[n]! : `?${n}`, timestamp: p.timestamp, packets: [], ends: [], durations: [] };
      out.push(ev);
    }
    ev.packets.push(p);
    ev.ends.push((p.payload[1]! & 0x80) !== 0);
    ev.durations.push(p.payload.readUInt16BE(2));
  }
  return out;
}

const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];
const DTMF_GRID = '123A456B789C*0#D';

/** Share of the frame's energy at `freq` (Goertzel): ≈ 1 for a pure sine at `freq`, ≈ 0.5 per tone of a DTMF pair. */
function energyShare(x: Int16Array, freq: number, energy: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / 8000);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * power) / (x.length * energy);
}

/**
 * In-band DTMF in received G.711 packets at `pt`, frame by frame: the key whose row and column tones together
 * hold most of the frame's energy, or '' (silence, speech, a prompt). Decoded with alawmulaw and a Goertzel
 * written here, independent of the engine.
 */
export function inbandDtmfFrames(packets: readonly RtpPacketInfo[], pt: number, codec: 'PCMU' | 'PCMA'): string[] {
  return packets
    .filter((p) => p.pt === pt)
    .map((p) => {
      const x = codec === 'PCMU' ? alawmulaw.mulaw.decode(p.payload) : alawmulaw.alaw.decode(p.payload);
      let energy = 0;
      for (const v of x) energy += v * v;
      if (energy / x.length < 300 * 300) return ''; // quieter than about -37 dBm0: no key
      const rows = DTMF_ROWS.map((f) => energyShare(x, f, energy));
      const cols = DTMF_COLS.map((f) => energyShare(x, f, energy));
      const r = rows.indexOf(Math.max(...rows));
      const c = cols.indexOf(Math.max(...cols));
      return rows[r]! > 0.3 && cols[c]! > 0.3 ? DTMF_GRID[r * 4 + c]! : '';
    });
}

/** The key presses in `inbandDtmfFrames` output: one per run of equal keys, with the run's length in frames. */
export function inbandDtmfPresses(frames: readonly string[]): Array<{ key: string; frames: number }> {
  const out: Array<{ key: string; frames: number }> = [];
  let prev = '';
  for (const k of frames) {
    if (k && k === prev) out.at(-1)!.frames++;
    else if (k) out.push({ key: k, frames: 1 });
    prev = k;
  }
  return out;
}
