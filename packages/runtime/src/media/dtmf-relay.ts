/**
 * SIP INFO DTMF bodies, for the flow/SIP layer to hand to `MediaStream.injectDtmf`:
 * `application/dtmf-relay` ("Signal=5\r\nDuration=160") and `application/dtmf` ("5").
 * Signal=10 and 11 are accepted as '*' and '#' (some phones send them).
 */
import type { DtmfKey } from './media-types.js';
import { DTMF_EVENT_KEYS, isDtmfKey } from './dtmf-keys.js';

export interface DtmfRelay {
  key: DtmfKey;
  durationMs?: number;
}

function toKey(raw: string): DtmfKey | undefined {
  const v = raw.trim().toUpperCase();
  if (isDtmfKey(v)) return v;
  if (/^\d{1,2}$/.test(v)) return DTMF_EVENT_KEYS[Number(v)];
  return undefined;
}

/** Parse an `application/dtmf-relay` body; undefined when it holds no valid key. */
export function parseDtmfRelay(body: string): DtmfRelay | undefined {
  if (typeof body !== 'string') return undefined;
  let key: DtmfKey | undefined;
  let durationMs: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    if (name === 'signal') key = toKey(m[2]!);
    else if (name === 'duration' && /^\d+$/.test(m[2]!)) durationMs = Number(m[2]);
  }
  if (!key) return undefined;
  return durationMs !== undefined ? { key, durationMs } : { key };
}

/**
 * Parse an INFO body by content type: `application/dtmf-relay` or `application/dtmf`.
 * Undefined for other types or bodies without a key.
 */
export function parseDtmfInfo(contentType: string | undefined, body: string): DtmfRelay | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/dtmf-relay') return parseDtmfRelay(body);
  if (type === 'application/dtmf') {
    const key = toKey(typeof body === 'string' ? body : '');
    return key ? { key } : undefined;
  }
  return undefined;
}
