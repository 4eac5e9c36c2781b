/**
 * A single-producer, single-consumer ring of 20 ms PCM frames in a SharedArrayBuffer: how two media workers hand
 * each other room audio, tick by tick, without a message per frame. The writer owns the write index, the reader
 * the read index (both Atomics); nothing is allocated per frame.
 *
 * Each worker ticks on its own clock, so the reader primes (waits for `PRIME` frames before it starts, and again
 * after an underrun) and skips ahead when more than `HIGH` frames wait (bounds the latency a drifting phase adds).
 * A full ring drops the new frame.
 */
import { SAMPLES_PER_FRAME } from './prompt-cache.js';

const CAPACITY = 8;
const PRIME = 2;
const HIGH = 5;
const HEADER_BYTES = 8;

export class FrameRing {
  readonly shared: SharedArrayBuffer;
  readonly #index: Int32Array;
  readonly #frames: Int16Array;
  #primed = false;
  /** Frames dropped because the ring was full (writer side) or skipped to bound latency (reader side). */
  dropped = 0;

  constructor(shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(HEADER_BYTES + CAPACITY * SAMPLES_PER_FRAME * 2);
    this.#index = new Int32Array(this.shared, 0, 2);
    this.#frames = new Int16Array(this.shared, HEADER_BYTES, CAPACITY * SAMPLES_PER_FRAME);
  }

  /** Writer: append one frame (160 samples). */
  push(frame: Int16Array): void {
    const w = Atomics.load(this.#index, 0);
    const r = Atomics.load(this.#index, 1);
    if (w - r >= CAPACITY) {
      this.dropped++;
      return;
    }
    this.#frames.set(frame.subarray(0, SAMPLES_PER_FRAME), (w % CAPACITY) * SAMPLES_PER_FRAME);
    Atomics.store(this.#index, 0, w + 1);
  }

  /** Reader: copy the next frame into `dst`; false while priming or on underrun (the caller plays silence). */
  pull(dst: Int16Array): boolean {
    const w = Atomics.load(this.#index, 0);
    let r = Atomics.load(this.#index, 1);
    let available = w - r;
    if (available > HIGH) {
      this.dropped += available - PRIME;
      r = w - PRIME;
      available = PRIME;
    }
    if (!this.#primed && available >= PRIME) this.#primed = true;
    if (!this.#primed || available === 0) {
      this.#primed = false;
      Atomics.store(this.#index, 1, r);
      return false;
    }
    const off = (r % CAPACITY) * SAMPLES_PER_FRAME;
    dst.set(this.#frames.subarray(off, off + SAMPLES_PER_FRAME));
    Atomics.store(this.#index, 1, r + 1);
    return true;
  }
}
