/**
 * Outgoing DTMF of one stream: a queue of key strings, played out one 20 ms frame at a time by the media clock.
 *
 * With telephone-event negotiated (RFC 4733): each key is one event at the RTP timestamp of its first frame —
 * the first packet carries the marker bit, then one update per tick with the same timestamp and a growing
 * duration, then the end packet (E bit) three times with the final duration (at the tick interval, as RFC 4733
 * §2.5.1.4 recommends); volume 10 (-10 dBm0). The gap to the next key counts from the end of the tone, so the two
 * end retransmissions fall inside it.
 * Without telephone-event: the key's two sines (about -7 dBm0 each) replace the audio for the tone's duration, and
 * silence replaces it during the gap (a prompt in the gap could blur the pause a remote detector needs).
 *
 * The mode is chosen per key when it starts (a re-INVITE may add or drop telephone-event). Durations are whole
 * frames (rounded). Nothing is allocated per frame: payloads and tones are written into the caller's buffers.
 */
import type { DtmfSendOptions } from './media-types.js';
import { DTMF_EVENT_KEYS, dtmfEventsOf, dtmfFrequencies } from './dtmf-keys.js';
import { mediaErrors } from './errors.js';

/** What `frame()` produced. */
export const DTMF_OFF = 0;
/** A 4-byte telephone-event payload: send it at `eventTs` (marker when `marker`) instead of audio. */
export const DTMF_EVENT = 1;
/** 160 encoded tone samples in the audio buffer: send them instead of the prompt/room audio. */
export const DTMF_TONE = 2;
/** 160 encoded silence samples in the audio buffer (in-band gap): send them instead of the prompt/room audio. */
export const DTMF_SILENCE = 3;

const SAMPLES = 160;
const RATE = 8000;
const VOLUME = 10;
const END_PACKETS = 3;
/** ≈ -7 dBm0 per tone: 0 dBm0 is a sine of peak ≈ 22 700 in the 16-bit G.711 domain (3.17 dB under full scale). */
const TONE_AMPLITUDE = 10_130;
const DEFAULT_DURATION_MS = 100;
const DEFAULT_GAP_MS = 60;
/** The duration field is 16 bits of 8 kHz ticks (8.19 s); longer events would need segments. */
const MAX_DURATION_MS = 8000;
const MAX_GAP_MS = 10_000;

interface Job {
  events: number[];
  toneFrames: number;
  gapFrames: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const PHASE_START = 0;
const PHASE_TONE = 1;
const PHASE_END = 2;
const PHASE_GAP = 3;

/**
 * Check keys and options of a send and work out its frames. Throws MediaError 'BAD_DTMF_KEY' (naming the key) or
 * 'BAD_OPTIONS'. Shared by the sender and by a media worker's proxy stream, which must throw before queuing too.
 */
export function validateDtmfSend(keys: string, options: DtmfSendOptions = {}): { events: number[]; toneFrames: number; gapFrames: number } {
  const events = dtmfEventsOf(keys);
  const durationMs = options.durationMs ?? DEFAULT_DURATION_MS;
  const gapMs = options.gapMs ?? DEFAULT_GAP_MS;
  if (typeof durationMs !== 'number' || !(durationMs >= 20 && durationMs <= MAX_DURATION_MS)) {
    throw mediaErrors.badOptions(`DTMF durationMs must be 20-${MAX_DURATION_MS} (got ${String(durationMs)})`);
  }
  if (typeof gapMs !== 'number' || !(gapMs >= 0 && gapMs <= MAX_GAP_MS)) {
    throw mediaErrors.badOptions(`DTMF gapMs must be 0-${MAX_GAP_MS} (got ${String(gapMs)})`);
  }
  return { events, toneFrames: Math.max(1, Math.round(durationMs / 20)), gapFrames: Math.round(gapMs / 20) };
}

export class DtmfSender {
  readonly #jobs: Job[] = [];
  #key = 0;
  #phase = PHASE_START;
  #frame = 0;
  #endsSent = 0;
  #gapLeft = 0;
  /** Mode of the key in progress: in-band tones, or RFC 4733. */
  #inband = false;
  #event = 0;
  #w1 = 0;
  #w2 = 0;
  /** RTP timestamp of the key in progress (RFC 4733). */
  eventTs = 0;
  /** Whether the packet `frame()` just described starts an event. */
  marker = false;
  /** Called (once) when the queue has drained. */
  onDrained: (() => void) | undefined;

  /** Something is queued or in progress. */
  get active(): boolean {
    return this.#jobs.length > 0;
  }

  /**
   * Queue `keys`. Throws MediaError 'BAD_DTMF_KEY' (naming the key) or 'BAD_OPTIONS' before queuing anything;
   * the promise resolves when the last of these keys has gone out (its end packets or its tone, and its gap).
   */
  enqueue(keys: string, options: DtmfSendOptions = {}): Promise<void> {
    const plan = validateDtmfSend(keys, options);
    return new Promise<void>((resolve, reject) => {
      this.#jobs.push({ ...plan, resolve, reject });
    });
  }

  /**
   * Drop everything queued; the pending promises reject with `error()`, called only when one is pending (an Error
   * costs a stack trace, and most streams close with nothing queued).
   */
  cancel(error: () => Error): void {
    const jobs = this.#jobs.splice(0);
    this.#phase = PHASE_START;
    this.#key = 0;
    if (jobs.length === 0) return;
    const err = error();
    for (const j of jobs) j.reject(err);
  }

  /**
   * Produce this tick's frame. `tePt` ≥ 0 when telephone-event is negotiated. Writes either a telephone-event
   * payload at `te[teOff..+4]` (DTMF_EVENT) or 160 G.711 bytes through `encode` at `audio[audioOff..]` (DTMF_TONE,
   * DTMF_SILENCE);
   * DTMF_OFF: nothing to send now, the stream sends its usual audio.
   */
  frame(tePt: number, encode: Uint8Array, silence: number, ts: number, audio: Buffer, audioOff: number, te: Buffer, teOff: number): number {
    const job = this.#jobs[0];
    if (!job) return DTMF_OFF;
    this.marker = false;
    if (this.#phase === PHASE_GAP) {
      if (this.#gapLeft > 0) {
        this.#gapLeft--;
        if (!this.#inband) return DTMF_OFF;
        audio.fill(silence, audioOff, audioOff + SAMPLES);
        return DTMF_SILENCE;
      }
      if (++this.#key >= job.events.length) {
        this.#finishJob();
        return this.frame(tePt, encode, silence, ts, audio, audioOff, te, teOff);
      }
      this.#phase = PHASE_START;
    }
    if (this.#phase === PHASE_START) {
      this.#event = job.events[this.#key]!;
      this.#inband = tePt < 0;
      this.#frame = 0;
      this.eventTs = ts;
      if (this.#inband) {
        const [low, high] = dtmfFrequencies(DTMF_EVENT_KEYS[this.#event]!);
        this.#w1 = (2 * Math.PI * low) / RATE;
        this.#w2 = (2 * Math.PI * high) / RATE;
      }
      this.#phase = PHASE_TONE;
    }
    if (this.#phase === PHASE_END) {
      this.#writeEvent(te, teOff, true, job.toneFrames);
      if (++this.#endsSent >= END_PACKETS) this.#startGap(job.gapFrames - (END_PACKETS - 1));
      return DTMF_EVENT;
    }
    // PHASE_TONE
    const n = ++this.#frame;
    const last = n >= job.toneFrames;
    if (this.#inband) {
      const w1 = this.#w1;
      const w2 = this.#w2;
      let i = (n - 1) * SAMPLES;
      for (let k = 0; k < SAMPLES; k++, i++) {
        const s = Math.round(TONE_AMPLITUDE * (Math.sin(w1 * i) + Math.sin(w2 * i)));
        audio[audioOff + k] = encode[s & 0xffff]!;
      }
      if (last) this.#startGap(job.gapFrames);
      return DTMF_TONE;
    }
    this.marker = n === 1;
    this.#writeEvent(te, teOff, last, n);
    if (last) {
      this.#endsSent = 1;
      this.#phase = PHASE_END;
    }
    return DTMF_EVENT;
  }

  #writeEvent(te: Buffer, off: number, end: boolean, frames: number): void {
    const duration = frames * SAMPLES;
    te[off] = this.#event;
    te[off + 1] = (end ? 0x80 : 0) | VOLUME;
    te[off + 2] = (duration >> 8) & 0xff;
    te[off + 3] = duration & 0xff;
  }

  #startGap(frames: number): void {
    this.#phase = PHASE_GAP;
    this.#gapLeft = frames > 0 ? frames : 0;
  }

  #finishJob(): void {
    const job = this.#jobs.shift()!;
    this.#key = 0;
    this.#phase = PHASE_START;
    job.resolve();
    if (this.#jobs.length === 0) this.onDrained?.();
  }
}
