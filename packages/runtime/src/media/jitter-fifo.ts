/**
 * A stream's room input: received audio waiting for the room, 20 ms frames out of whatever packet sizes came in.
 * Pulling starts once `prime` samples are buffered (absorbs the phase jitter between packet arrival and the media
 * clock); above `high`, the oldest audio is dropped down to `prime` (bounds the latency); an underrun gives silence
 * and primes again. Decoded PCM for a mixing room (Int16Array), or the G.711 bytes themselves for a relaying one
 * (Uint8Array). Preallocated; nothing is allocated per frame.
 */
export class JitterFifo<T extends Int16Array<ArrayBufferLike> | Uint8Array<ArrayBufferLike>> {
  readonly #buf: T;
  readonly #size: number;
  readonly #prime: number;
  readonly #high: number;
  #read = 0;
  #fill = 0;
  #primed = false;

  constructor(buffer: T, prime: number, high: number) {
    this.#buf = buffer;
    this.#size = buffer.length;
    this.#prime = prime;
    this.#high = high;
  }

  get fill(): number {
    return this.#fill;
  }

  clear(): void {
    this.#fill = 0;
    this.#primed = false;
  }

  /** Append `count` samples of `src` from `offset`; when full, the oldest are overwritten. */
  write(src: ArrayLike<number>, offset: number, count: number): void {
    const buf = this.#buf;
    const size = this.#size;
    for (let i = 0; i < count; i++) {
      if (this.#fill === size) {
        this.#read = this.#read + 1 === size ? 0 : this.#read + 1;
        this.#fill--;
      }
      let w = this.#read + this.#fill;
      if (w >= size) w -= size;
      buf[w] = src[offset + i]!;
      this.#fill++;
    }
  }

  /** Copy the next `n` samples into `dst` at `offset`; false (nothing copied) while priming or on underrun. */
  read(dst: T, offset: number, n: number): boolean {
    if (this.#fill > this.#high) {
      const drop = this.#fill - this.#prime;
      this.#read = (this.#read + drop) % this.#size;
      this.#fill -= drop;
    }
    if (!this.#primed && this.#fill >= this.#prime) this.#primed = true;
    if (!this.#primed || this.#fill < n) {
      this.#primed = false;
      return false;
    }
    const buf = this.#buf;
    const size = this.#size;
    let r = this.#read;
    for (let i = 0; i < n; i++) {
      dst[offset + i] = buf[r]!;
      r = r + 1 === size ? 0 : r + 1;
    }
    this.#read = r;
    this.#fill -= n;
    return true;
  }
}
