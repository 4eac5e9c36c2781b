/**
 * The room input FIFO against a plain array model: the same samples come out in the same order through wrap-round,
 * overflow (the oldest overwritten), priming, underrun and the high-water drop, for random packet sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterFifo } from '../../src/media/jitter-fifo.js';

/** The FIFO's contract, one sample at a time. */
class ModelFifo {
  readonly #q: number[] = [];
  #primed = false;
  constructor(
    readonly size: number,
    readonly prime: number,
    readonly high: number,
  ) {}
  get length(): number {
    return this.#q.length;
  }
  write(src: ArrayLike<number>, offset: number, count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.#q.length === this.size) this.#q.shift();
      this.#q.push(src[offset + i]!);
    }
  }
  read(n: number): number[] | undefined {
    if (this.#q.length > this.high) this.#q.splice(0, this.#q.length - this.prime);
    if (!this.#primed && this.#q.length >= this.prime) this.#primed = true;
    if (!this.#primed || this.#q.length < n) {
      this.#primed = false;
      return undefined;
    }
    return this.#q.splice(0, n);
  }
}

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A random walk of writes and reads through the FIFO and the model; every read must agree. */
function walk<T extends Uint8Array | Int16Array>(make: (n: number) => T): void {
  const size = 64;
  const fifo = new JitterFifo<T>(make(size), 16, 48);
  const model = new ModelFifo(size, 16, 48);
  const rnd = lcg(42);
  const src = make(200);
  const dst = make(40);
  let next = 1;
  let reads = 0;
  for (let step = 0; step < 20_000; step++) {
    if (rnd() < 0.55) {
      // Packets of any size, larger than the FIFO too (only the newest `size` samples stay).
      const count = Math.floor(rnd() * (rnd() < 0.05 ? 150 : 30));
      const offset = Math.floor(rnd() * 8);
      for (let i = 0; i < count; i++) src[offset + i] = next++ % 100;
      fifo.write(src, offset, count);
      model.write(src, offset, count);
    } else {
      const n = 1 + Math.floor(rnd() * 24);
      const offset = Math.floor(rnd() * 8);
      const want = model.read(n);
      const got = fifo.read(dst, offset, n);
      assert.equal(got, want !== undefined, `step ${step}: read ${n} ${want ? 'gives samples' : 'gives nothing'}`);
      if (want) {
        assert.deepEqual(Array.from(dst.subarray(offset, offset + n)), want, `step ${step}`);
        reads++;
      }
    }
    assert.equal(fifo.fill, model.length, `step ${step}: samples buffered`);
  }
  assert.ok(reads > 1000, `the walk read often enough to mean something (${reads} reads)`);
}

test('JitterFifo of G.711 bytes matches the model through wrap-round, overflow, priming and drops', () => {
  walk((n) => new Uint8Array(n));
});

test('JitterFifo of PCM samples matches the model through wrap-round, overflow, priming and drops', () => {
  walk((n) => new Int16Array(n));
});
