/**
 * RTP packet sequences carrying a DTMF PIN, for loopback peers and for the pcaps sipp replays:
 * RFC 4733 (one stream, a new timestamp per digit, end packet sent 3 times) or in-band tones in G.711.
 * Written independently of the engine (the tone generator is the only shared piece, a plain sine pair).
 */
import { concatPcm } from './audio-wav.js';
import { buildRtp, telephoneEventPayload } from './rtp-peer.js';
import { encode } from '../../packages/runtime/src/media/g711.js';
import { dtmfTone } from '../../packages/runtime/src/media/dtmf-goertzel.js';
import type { DtmfKey } from '../../packages/runtime/src/media/media-types.js';

export interface TimedPacket {
  /** Send time relative to the first packet, ms. */
  atMs: number;
  data: Buffer;
}

export interface DtmfStreamOptions {
  pt?: number;
  ssrc?: number;
  toneMs?: number;
  gapMs?: number;
  /** Silence before the first digit, ms. Default 200. */
  leadMs?: number;
}

const EVENTS = '0123456789*#ABCD';

/** RFC 4733 packets for `pin`: updates every 20 ms, then the end packet 3 times; a new timestamp per digit. */
export function rfc4733Packets(pin: string, opts: DtmfStreamOptions = {}): TimedPacket[] {
  const pt = opts.pt ?? 101;
  const ssrc = opts.ssrc ?? 0x4733;
  const toneMs = opts.toneMs ?? 100;
  const gapMs = opts.gapMs ?? 100;
  let t = opts.leadMs ?? 200;
  let seq = 1000;
  const out: TimedPacket[] = [];
  for (const ch of pin) {
    const event = EVENTS.indexOf(ch.toUpperCase());
    if (event < 0) throw new Error(`not a DTMF key: ${ch}`);
    const ts = 8 * t; // timestamp of the event's start (8 kHz clock)
    const steps = Math.max(1, Math.round(toneMs / 20));
    for (let i = 1; i <= steps; i++) {
      out.push({
        atMs: t + (i - 1) * 20,
        data: buildRtp({ pt, seq: seq++, timestamp: ts, ssrc, marker: i === 1, payload: telephoneEventPayload(event, false, i * 160) }),
      });
    }
    for (let r = 0; r < 3; r++) {
      out.push({
        atMs: t + steps * 20 + r * 5,
        data: buildRtp({ pt, seq: seq++, timestamp: ts, ssrc, payload: telephoneEventPayload(event, true, steps * 160) }),
      });
    }
    t += steps * 20 + gapMs;
  }
  return out;
}

/** In-band: continuous G.711 audio, 20 ms per packet, tones for the digits and silence between. */
export function inbandPackets(pin: string, codec: 'PCMU' | 'PCMA', opts: DtmfStreamOptions = {}): TimedPacket[] {
  const pt = opts.pt ?? (codec === 'PCMU' ? 0 : 8);
  const ssrc = opts.ssrc ?? 0x1b4d;
  const toneMs = opts.toneMs ?? 100;
  const gapMs = opts.gapMs ?? 100;
  const parts: Int16Array[] = [new Int16Array(8 * (opts.leadMs ?? 200))];
  for (const ch of pin) parts.push(dtmfTone(ch as DtmfKey, toneMs, 6000), new Int16Array(8 * gapMs));
  parts.push(new Int16Array(8 * 200));
  const pcm = concatPcm(parts, 160);
  const bytes = encode(codec, pcm);
  const out: TimedPacket[] = [];
  for (let k = 0; k * 160 < bytes.length; k++) {
    out.push({
      atMs: k * 20,
      data: buildRtp({ pt, seq: 2000 + k, timestamp: k * 160, ssrc, marker: k === 0, payload: bytes.subarray(k * 160, k * 160 + 160) }),
    });
  }
  return out;
}

/** Merge packet lists by time (e.g. a phone sending tones AND RFC 4733). */
export function mergeByTime(...lists: TimedPacket[][]): TimedPacket[] {
  return lists.flat().sort((a, b) => a.atMs - b.atMs);
}

/** Send packets in real time through `send`. */
export async function sendTimed(packets: TimedPacket[], send: (b: Buffer) => Promise<void>): Promise<void> {
  const t0 = performance.now();
  for (const p of packets) {
    const wait = t0 + p.atMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await send(p.data);
  }
}
