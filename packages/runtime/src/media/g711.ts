/**
 * G.711 µ-law / A-law with lookup tables built once at load: 256-entry decode tables and 64 Ki-entry encode
 * tables indexed by the 16-bit sample's two's-complement bit pattern. Per-sample work is one array read.
 */
export type G711Codec = 'PCMU' | 'PCMA';

/** Encoded silence bytes. */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;

function ulawDecodeSample(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const sample = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -sample : sample;
}

function ulawEncodeSample(s: number): number {
  let sign = 0;
  if (s < 0) {
    sign = 0x80;
    s = -s;
  }
  if (s > 32635) s = 32635;
  s += 0x84;
  const v = (s >> 7) & 0xff;
  const exponent = v <= 1 ? 0 : 31 - Math.clz32(v);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function alawEncodeSample(pcm: number): number {
  pcm >>= 3; // 13-bit magnitude domain
  let mask: number;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  while (seg < 8 && pcm > ALAW_SEG_END[seg]!) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return aval ^ mask;
}

function alawDecodeSample(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else {
    t += 0x108;
    if (seg > 1) t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

/** code byte → linear sample. */
export const ULAW_DECODE = new Int16Array(256);
export const ALAW_DECODE = new Int16Array(256);
/** (sample & 0xffff) → code byte. */
export const ULAW_ENCODE = new Uint8Array(65536);
export const ALAW_ENCODE = new Uint8Array(65536);

for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawDecodeSample(i);
  ALAW_DECODE[i] = alawDecodeSample(i);
}
for (let i = 0; i < 65536; i++) {
  const s = i >= 32768 ? i - 65536 : i;
  ULAW_ENCODE[i] = ulawEncodeSample(s);
  ALAW_ENCODE[i] = alawEncodeSample(s);
}

export function decodeTable(codec: G711Codec): Int16Array {
  return codec === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
}

export function encodeTable(codec: G711Codec): Uint8Array {
  return codec === 'PCMU' ? ULAW_ENCODE : ALAW_ENCODE;
}

export function silenceByte(codec: G711Codec): number {
  return codec === 'PCMU' ? ULAW_SILENCE : ALAW_SILENCE;
}

/** Encode `count` samples of `pcm` from `pcmOffset` into `out` at `outOffset`. No allocation. */
export function encodeInto(table: Uint8Array, pcm: Int16Array, pcmOffset: number, count: number, out: Uint8Array, outOffset: number): void {
  for (let i = 0; i < count; i++) out[outOffset + i] = table[pcm[pcmOffset + i]! & 0xffff]!;
}

/** Decode `count` code bytes of `src` from `srcOffset` into `pcm` at `pcmOffset`. No allocation. */
export function decodeInto(table: Int16Array, src: Uint8Array, srcOffset: number, count: number, pcm: Int16Array, pcmOffset: number): void {
  for (let i = 0; i < count; i++) pcm[pcmOffset + i] = table[src[srcOffset + i]!]!;
}

/** Convenience (allocates): encode a whole buffer. For prompts and tests, not the per-packet path. */
export function encode(codec: G711Codec, pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  encodeInto(encodeTable(codec), pcm, 0, pcm.length, out, 0);
  return out;
}

/** Convenience (allocates): decode a whole buffer. */
export function decode(codec: G711Codec, data: Uint8Array): Int16Array {
  const out = new Int16Array(data.length);
  decodeInto(decodeTable(codec), data, 0, data.length, out, 0);
  return out;
}
