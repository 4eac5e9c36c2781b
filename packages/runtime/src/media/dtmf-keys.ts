/** DTMF key codes shared by the three detectors: RFC 4733 event number ↔ key. */
import type { DtmfKey } from './media-types.js';

/** RFC 4733 events 0–15. */
export const DTMF_EVENT_KEYS: readonly DtmfKey[] = [
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

export function isDtmfKey(value: unknown): value is DtmfKey {
  return typeof value === 'string' && (DTMF_EVENT_KEYS as readonly string[]).includes(value);
}
