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

const N = 160;
const RATE = 8000;
const FREQS = [697, 770, 852, 941, 1209, 1336, 1477, 1633];
const KEYS: readonly DtmfKey[] = ['1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'];
const COEFF = new Float64Array(FREQS.map((f) => 2 * Math.cos((2 * Math.PI * f) / RATE)));

/** Minimum amplitude of each tone (≈ -35 dBm0), as block energy of a sine: A²·N/2. */
const MIN_TONE_ENERGY = (400 * 400 * N) / 2;
const RELATIVE_PEAK = 6.3; // 8 dB
const MAX_TWIST = 6.3; // ±8 dB
const TONE_SHARE = 0.65;
const ON_BLOCKS = 2;
const OFF_BLOCKS = 2;

export type GoertzelListener = (key: DtmfKey) => void;

export class GoertzelDetector {
  readonly #onKey: GoertzelListener;
  readonly #block = new Float64Array(N);
  #fill = 0;
  readonly #power = new Float64Array(8);
  #candidate = -1;
  #candidateBlocks = 0;
  #current = -1;
  #misses = 0;

  constructor(onKey: GoertzelListener) {
    this.#onKey = onKey;
  }

  /** Feed `count` samples of `pcm` from `offset`. */
  push(pcm: Int16Array, offset: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.#block[this.#fill++] = pcm[offset + i]!;
      if (this.#fill === N) {
        this.#fill = 0;
        this.#onBlock(this.#analyze());
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

  /** The key index (0–15) the current block holds, or -1. Exposed for tests. */
  #analyze(): number {
    const x = this.#block;
    let energy = 0;
    for (let i = 0; i < N; i++) energy += x[i]! * x[i]!;
    if (energy < 2 * MIN_TONE_ENERGY) return -1; // silence: skip the filters
    const power = this.#power;
    for (let f = 0; f < 8; f++) {
      const c = COEFF[f]!;
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < N; i++) {
        const s0 = x[i]! + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      // |X(f)|² scaled to the energy of the tone in the block (A²·N/2 for a sine of amplitude A).
      power[f] = ((s1 * s1 + s2 * s2 - c * s1 * s2) * 2) / N;
    }
    let row = 0;
    for (let f = 1; f < 4; f++) if (power[f]! > power[row]!) row = f;
    let col = 4;
    for (let f = 5; f < 8; f++) if (power[f]! > power[col]!) col = f;
    const rp = power[row]!;
    const cp = power[col]!;
    if (rp < MIN_TONE_ENERGY || cp < MIN_TONE_ENERGY) return -1;
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
