/**
 * In-band DTMF detection (Goertzel) on decoded G.711 audio, in 160-sample (20 ms) blocks.
 *
 * A block holds a key when: both the strongest row and the strongest column tone exceed a minimum level
 * (≈ -35 dBm0); each beats the other tones of its group by 8 dB; the twist (row vs column level) is within ±8 dB;
 * and the two tones carry at least 65 % of the block's energy (speech and noise spread their energy and fail).
 * A press is reported once it holds for 2 consecutive blocks (≥ 40 ms of tone, usually 60 ms with block
 * alignment), and not again until 2 consecutive blocks without it (a pause), so one long tone is one press.
 */
import type { DtmfKey } from './media-types.js';
import { DTMF_FREQS, DTMF_GRID_KEYS } from './dtmf-keys.js';

const N = 160;
const RATE = 8000;
const FREQS = DTMF_FREQS;
const KEYS = DTMF_GRID_KEYS;
const COEFF = new Float64Array(FREQS.map((f) => 2 * Math.cos((2 * Math.PI * f) / RATE)));

/** Minimum amplitude of each tone (≈ -35 dBm0), as block energy of a sine: A²·N/2. */
const MIN_TONE_ENERGY = (400 * 400 * N) / 2;
const RELATIVE_PEAK = 6.3; // 8 dB
const MAX_TWIST = 6.3; // ±8 dB
const TONE_SHARE = 0.65;
const MIN_CROSSINGS = 16;
const MAX_CROSSINGS = 90;
const ON_BLOCKS = 2;
const OFF_BLOCKS = 2;

export type GoertzelListener = (key: DtmfKey) => void;

const C0 = COEFF[0]!;
const C1 = COEFF[1]!;
const C2 = COEFF[2]!;
const C3 = COEFF[3]!;
const C4 = COEFF[4]!;
const C5 = COEFF[5]!;
const C6 = COEFF[6]!;
const C7 = COEFF[7]!;

export class GoertzelDetector {
  readonly #onKey: GoertzelListener;
  readonly #block = new Int16Array(N);
  #fill = 0;
  readonly #power = new Float64Array(8);
  #candidate = -1;
  #candidateBlocks = 0;
  #current = -1;
  #misses = 0;

  constructor(onKey: GoertzelListener) {
    this.#onKey = onKey;
  }

  /** Feed `count` samples of `pcm` from `offset`. Whole aligned blocks are analysed in place (no copy). */
  push(pcm: Int16Array, offset: number, count: number): void {
    let i = 0;
    if (this.#fill === 0) {
      for (; i + N <= count; i += N) this.#onBlock(this.#analyze(pcm, offset + i));
    }
    for (; i < count; i++) {
      this.#block[this.#fill++] = pcm[offset + i]!;
      if (this.#fill === N) {
        this.#fill = 0;
        this.#onBlock(this.#analyze(this.#block, 0));
      }
    }
  }

  /**
   * Feed `count` G.711 code bytes of `src` from `offset`, decoded through `table` (a g711 decode table). Whole
   * aligned blocks are decoded in the same pass that measures energy and zero crossings: the media clock's
   * per-packet path when the decoded audio is not needed elsewhere.
   */
  pushEncoded(table: Int16Array, src: Uint8Array, offset: number, count: number): void {
    let i = 0;
    const block = this.#block;
    if (this.#fill === 0) {
      for (; i + N <= count; i += N) {
        const base = offset + i;
        let energy = 0;
        let crossings = 0;
        let prev = table[src[base]!]!;
        for (let j = 0; j < N; j++) {
          const v = table[src[base + j]!]!;
          block[j] = v;
          energy += v * v;
          crossings += (v ^ prev) >>> 31;
          prev = v;
        }
        this.#onBlock(this.#tones(block, 0, energy, crossings));
      }
    }
    for (; i < count; i++) {
      block[this.#fill++] = table[src[offset + i]!]!;
      if (this.#fill === N) {
        this.#fill = 0;
        this.#onBlock(this.#analyze(block, 0));
      }
    }
  }

  /** Forget any tone in progress (e.g. after a gap in the audio). */
  reset(): void {
    this.#fill = 0;
    this.#candidate = -1;
    this.#candidateBlocks = 0;
    this.#current = -1;
    this.#misses = 0;
  }

  /** The key index (0–15) the block of N samples at `off` holds, or -1. */
  #analyze(x: Int16Array, off: number): number {
    let energy = 0;
    let crossings = 0;
    let prev = x[off]!;
    // Branch-free: a sign change is the sign bit of v ^ prev (speech makes a branch here mispredict often).
    for (let i = off, end = off + N; i < end; i++) {
      const v = x[i]!;
      energy += v * v;
      crossings += (v ^ prev) >>> 31;
      prev = v;
    }
    return this.#tones(x, off, energy, crossings);
  }

  /** The key the block holds, given its energy and zero-crossing count. */
  #tones(x: Int16Array, off: number, energy: number, crossings: number): number {
    // Cheap gates before the filters: silence, and zero-crossing rates no DTMF pair has (a pair crosses
    // zero about 2·f·N/8000 times, 28–65 per block; voiced speech crosses far less, hiss far more).
    if (energy < 2 * MIN_TONE_ENERGY || crossings < MIN_CROSSINGS || crossings > MAX_CROSSINGS) return -1;
    // Column filters first (4 filters: their state and coefficients stay in registers). A key needs its column
    // tone to carry at least TONE_SHARE / (1 + MAX_TWIST) of the block energy (the row tone is at most MAX_TWIST
    // times the column tone, and the pair carries TONE_SHARE), so most speech blocks that pass the cheap gates
    // stop here without the row filters — the same verdicts as running all eight, at about half the cost.
    const k4 = C4,
      k5 = C5,
      k6 = C6,
      k7 = C7;
    let e1 = 0,
      e2 = 0,
      f1 = 0,
      f2 = 0,
      g1 = 0,
      g2 = 0,
      h1 = 0,
      h2 = 0;
    for (let i = off, end = off + N; i < end; i++) {
      const v = x[i]!;
      let t = v + k4 * e1 - e2;
      e2 = e1;
      e1 = t;
      t = v + k5 * f1 - f2;
      f2 = f1;
      f1 = t;
      t = v + k6 * g1 - g2;
      g2 = g1;
      g1 = t;
      t = v + k7 * h1 - h2;
      h2 = h1;
      h1 = t;
    }
    // |X(f)|² scaled to the energy of the tone in the block (A²·N/2 for a sine of amplitude A).
    const k = 2 / N;
    const power = this.#power;
    power[4] = (e1 * e1 + e2 * e2 - k4 * e1 * e2) * k;
    power[5] = (f1 * f1 + f2 * f2 - k5 * f1 * f2) * k;
    power[6] = (g1 * g1 + g2 * g2 - k6 * g1 * g2) * k;
    power[7] = (h1 * h1 + h2 * h2 - k7 * h1 * h2) * k;
    let col = 4;
    for (let f = 5; f < 8; f++) if (power[f]! > power[col]!) col = f;
    const cp = power[col]!;
    if (cp < MIN_TONE_ENERGY || cp * (1 + MAX_TWIST) < TONE_SHARE * energy) return -1;
    const k0 = C0,
      k1 = C1,
      k2 = C2,
      k3 = C3;
    let a1 = 0,
      a2 = 0,
      b1 = 0,
      b2 = 0,
      c1 = 0,
      c2 = 0,
      d1 = 0,
      d2 = 0;
    for (let i = off, end = off + N; i < end; i++) {
      const v = x[i]!;
      let t = v + k0 * a1 - a2;
      a2 = a1;
      a1 = t;
      t = v + k1 * b1 - b2;
      b2 = b1;
      b1 = t;
      t = v + k2 * c1 - c2;
      c2 = c1;
      c1 = t;
      t = v + k3 * d1 - d2;
      d2 = d1;
      d1 = t;
    }
    power[0] = (a1 * a1 + a2 * a2 - k0 * a1 * a2) * k;
    power[1] = (b1 * b1 + b2 * b2 - k1 * b1 * b2) * k;
    power[2] = (c1 * c1 + c2 * c2 - k2 * c1 * c2) * k;
    power[3] = (d1 * d1 + d2 * d2 - k3 * d1 * d2) * k;
    let row = 0;
    for (let f = 1; f < 4; f++) if (power[f]! > power[row]!) row = f;
    const rp = power[row]!;
    if (rp < MIN_TONE_ENERGY) return -1;
    if (rp > cp * MAX_TWIST || cp > rp * MAX_TWIST) return -1;
    for (let f = 0; f < 4; f++) if (f !== row && power[f]! * RELATIVE_PEAK > rp) return -1;
    for (let f = 4; f < 8; f++) if (f !== col && power[f]! * RELATIVE_PEAK > cp) return -1;
    if (rp + cp < TONE_SHARE * energy) return -1;
    return row * 4 + (col - 4);
  }

  #onBlock(k: number): void {
    if (k >= 0) {
      if (k === this.#current) {
        this.#misses = 0;
        return;
      }
      if (k === this.#candidate) this.#candidateBlocks++;
      else {
        this.#candidate = k;
        this.#candidateBlocks = 1;
      }
      if (this.#candidateBlocks >= ON_BLOCKS) {
        this.#current = k;
        this.#misses = 0;
        this.#candidate = -1;
        this.#candidateBlocks = 0;
        this.#onKey(KEYS[k]!);
      }
      return;
    }
    this.#candidate = -1;
    this.#candidateBlocks = 0;
    if (this.#current >= 0 && ++this.#misses >= OFF_BLOCKS) this.#current = -1;
  }
}

/** Generate a DTMF tone pair (for tests and test peers): `ms` of key at `amplitude` per tone. */
export function dtmfTone(key: DtmfKey, ms: number, amplitude = 8000): Int16Array {
  const k = KEYS.indexOf(key);
  if (k < 0) throw new Error(`not a DTMF key: ${key}`);
  const f1 = FREQS[Math.floor(k / 4)]!;
  const f2 = FREQS[4 + (k % 4)]!;
  const n = Math.round((ms * RATE) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(amplitude * (Math.sin((2 * Math.PI * f1 * i) / RATE) + Math.sin((2 * Math.PI * f2 * i) / RATE)));
  }
  return out;
}
