/**
 * One report per key press, whichever way it came. Sources rank rfc4733 > info > inband. A stream follows the
 * highest-ranked source it has seen: once a telephone-event packet (any, not only an end) or an INFO digit
 * arrives, the lower-ranked sources are ignored on that stream for the rest of its life (a phone sending both
 * RFC 4733 and tones, or INFO and tones, would otherwise double every digit). When a higher source takes over
 * and its first key equals the key a lower source reported less than 1 s before, that is the same press and it
 * is not reported again.
 */
import { performance } from 'node:perf_hooks';
import type { DtmfKey, DtmfSource } from './media-types.js';

const RANK: Record<DtmfSource, number> = { inband: 1, info: 2, rfc4733: 3 };
const TAKEOVER_WINDOW_MS = 1000;

export class DtmfArbiter {
  #rank = 0;
  #lastKey: DtmfKey | undefined;
  #lastRank = 0;
  #lastAt = 0;

  /** The source ranked highest so far, if any. */
  get source(): DtmfSource | undefined {
    return (Object.keys(RANK) as DtmfSource[]).find((s) => RANK[s] === this.#rank);
  }

  /** Whether reports from `source` are still considered. */
  accepts(source: DtmfSource): boolean {
    return RANK[source] >= this.#rank;
  }

  /** A source showed up (e.g. a telephone-event start packet): lower sources are ignored from now on. */
  noteSource(source: DtmfSource): void {
    if (RANK[source] > this.#rank) this.#rank = RANK[source];
  }

  /** Decide whether a detected key is reported. */
  offer(key: DtmfKey, source: DtmfSource, now = performance.now()): boolean {
    const rank = RANK[source];
    if (rank < this.#rank) return false;
    const firstOfSource = this.#lastRank < rank;
    this.#rank = rank;
    const samePress = firstOfSource && this.#lastKey === key && this.#lastRank < rank && now - this.#lastAt < TAKEOVER_WINDOW_MS;
    this.#lastKey = key;
    this.#lastRank = rank;
    this.#lastAt = now;
    return !samePress;
  }
}
