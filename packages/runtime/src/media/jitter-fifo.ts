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
  write(src: T, offset: number, count: number): void {
    const buf = this.#buf;
    const size = this.#size;
    if (count > size) {
      offset += count - size;
      count = size;
    }
    // Per packet on the media thread: at most two native copies (set() of a view is ~4× faster than an indexed loop).
    let read = this.#read;
    let fill = this.#fill + count;
    if (fill > size) {
      read += fill - size;
      if (read >= size) read -= size;
      fill = size;
    }
    let w = read + fill - count;
    if (w >= size) w -= size;
    const first = size - w < count ? size - w : count;
    buf.set(src.subarray(offset, offset + first), w);
    if (first < count) buf.set(src.subarray(offset + first, offset + count), 0);
    this.#read = read;
    this.#fill = fill;
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
    const r = this.#read;
    const first = size - r < n ? size - r : n;
    dst.set(buf.subarray(r, r + first), offset);
    if (first < n) dst.set(buf.subarray(0, n - first), offset + first);
    this.#read = r + n >= size ? r + n - size : r + n;
    this.#fill -= n;
    return true;
  }
}
