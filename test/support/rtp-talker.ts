/** Known audio for room tests: µ-law frames that say who is talking and which frame this is. */
import { buildRtp } from './rtp-peer.js';
import type { TimedPacket } from './rtp-dtmf.js';

/** Frame k of `talker` (1–3): byte 0 = 0x80 + k (k < 100), the rest a per-talker pattern; never 0x7f/0xff. */
export function talkerFrame(talker: number, k: number): Buffer {
  const b = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) b[i] = 0x10 + talker * 0x20 + (i % 0x1f);
  b[0] = 0x80 + (k % 100);
  return b;
}

export function talkerPackets(talker: number, frames: number, leadMs = 100): TimedPacket[] {
  return Array.from({ length: frames }, (_, k) => ({
    atMs: leadMs + k * 20,
    data: buildRtp({ pt: 0, seq: 500 + k, timestamp: k * 160, ssrc: 0x7a1c + talker, marker: k === 0, payload: talkerFrame(talker, k) }),
  }));
}

/** For each received non-silent payload, the index of `talker`'s frame it equals (-1: none). */
export function matchTalkerFrames(received: Buffer[], talker: number, frames: number): number[] {
  const sent = Array.from({ length: frames }, (_, k) => talkerFrame(talker, k));
  return received.filter((p) => !p.every((b) => b === 0xff)).map((p) => sent.findIndex((s) => s.equals(p)));
}
