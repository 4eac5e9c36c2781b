/**
 * RFC 4733 telephone-event receiver. One key press = one event timestamp: it is reported once, on the first
 * packet with the end bit; the retransmitted end packets (same timestamp) are ignored. Two presses of the same
 * key have different timestamps, so 1-1-2-2-3 gives five reports. If an event's end packets are all lost, the
 * event is reported when the next event (new timestamp) starts.
 */
import type { DtmfKey } from './media-types.js';
import { DTMF_EVENT_KEYS } from './dtmf-keys.js';

export type Rfc4733Listener = (key: DtmfKey, durationMs: number) => void;

const HISTORY = 4;

export class Rfc4733Receiver {
  readonly #onKey: Rfc4733Listener;
  /** Timestamp and event of the event in progress (-1: none). */
  #ts = -1;
  #event = -1;
  #duration = 0;
  #reported = true;
  /** Recently reported timestamps: a late retransmission of an older end never reports twice. */
  readonly #recent = new Float64Array(HISTORY).fill(-1);
  #recentPos = 0;

  constructor(onKey: Rfc4733Listener) {
    this.#onKey = onKey;
  }

  /** Feed one telephone-event payload (`len` bytes at `off` in `buf`) with its RTP timestamp. */
  onPacket(timestamp: number, buf: Uint8Array, off: number, len: number): void {
    if (len < 4) return;
    const event = buf[off]!;
    if (event > 15) return; // not a DTMF key (flash, tones)
    const end = (buf[off + 1]! & 0x80) !== 0;
    const duration = (buf[off + 2]! << 8) | buf[off + 3]!;
    if (timestamp !== this.#ts || event !== this.#event) {
      if (this.#wasReported(timestamp)) return; // a late packet of an event already reported
      if (!this.#reported) this.#report(); // the previous event lost all its end packets
      this.#ts = timestamp;
      this.#event = event;
      this.#reported = false;
      this.#duration = 0;
    }
    this.#duration = Math.max(this.#duration, duration);
    if (end && !this.#reported) this.#report();
  }

  #wasReported(ts: number): boolean {
    for (let i = 0; i < HISTORY; i++) if (this.#recent[i] === ts) return true;
    return false;
  }

  #report(): void {
    this.#reported = true;
    this.#recent[this.#recentPos] = this.#ts;
    this.#recentPos = (this.#recentPos + 1) % HISTORY;
    const key = DTMF_EVENT_KEYS[this.#event];
    const durationMs = Math.round(this.#duration / 8);
    if (key) this.#onKey(key, durationMs);
  }
}
