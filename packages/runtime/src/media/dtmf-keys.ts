/** DTMF key codes and tone frequencies shared by the detectors and the sender: RFC 4733 event number ↔ key. */
import type { DtmfKey } from './media-types.js';
import { mediaErrors } from './errors.js';

/** RFC 4733 events 0–15. */
export const DTMF_EVENT_KEYS: readonly DtmfKey[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

/** The keypad's tone frequencies (Hz): four rows (low group), then four columns (high group). */
export const DTMF_FREQS: readonly number[] = [697, 770, 852, 941, 1209, 1336, 1477, 1633];

/** The keypad row by row: key at index r·4 + c sounds DTMF_FREQS[r] + DTMF_FREQS[4 + c]. */
export const DTMF_GRID_KEYS: readonly DtmfKey[] = ['1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'];

export function isDtmfKey(value: unknown): value is DtmfKey {
  return typeof value === 'string' && (DTMF_EVENT_KEYS as readonly string[]).includes(value);
}

/** Low (row) and high (column) frequency of a key, Hz. */
export function dtmfFrequencies(key: DtmfKey): [low: number, high: number] {
  const k = DTMF_GRID_KEYS.indexOf(key);
  return [DTMF_FREQS[k >> 2]!, DTMF_FREQS[4 + (k & 3)]!];
}

/**
 * Validate a string of keys to send ('0'-'9', '*', '#', 'A'-'D', nothing else) and return their RFC 4733
 * event numbers. Throws MediaError 'BAD_DTMF_KEY' naming the first bad key; an empty string is one too.
 */
export function dtmfEventsOf(keys: unknown): number[] {
  if (typeof keys !== 'string' || keys.length === 0) throw mediaErrors.badDtmfKey(typeof keys === 'string' ? '' : String(keys));
  const out: number[] = [];
  for (const ch of keys) {
    const event = (DTMF_EVENT_KEYS as readonly string[]).indexOf(ch);
    if (event < 0) throw mediaErrors.badDtmfKey(ch);
    out.push(event);
  }
  return out;
}
