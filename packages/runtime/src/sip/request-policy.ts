/**
 * What a request's headers and body must satisfy before any transaction sees it, checked on the raw text (sip.js's
 * parser keeps only the last of repeated single-valued headers, so it cannot tell):
 *   - one value in a single-valued header (RFC 3261 §7.3.1, §20: Call-ID, CSeq, From, To, Max-Forwards,
 *     Content-Length, Content-Type, Expires); several Content-Length values are fatal to framing (RFC 4475 mcl01) → 400;
 *   - numbers within their ranges (CSeq < 2^31 §8.1.1.5, Max-Forwards <= 255, Content-Length and Expires < 2^32;
 *     RFC 4475 scalar02) → 400;
 *   - an INVITE's body must be SDP, and labelled so: no Content-Type, another type, or a Content-Encoding we do not
 *     apply → 415 with Accept / Accept-Encoding (§21.4.13, §21.4.16; RFC 4475 invut);
 *   - an INVITE whose Accept excludes SDP → 406 (§21.4.7, RFC 4475 sdp01): our answer would be SDP.
 */

export interface Refusal {
  code: 400 | 406 | 415;
  reason: string;
  headers: string[];
}

/** Compact forms (RFC 3261 §7.3.3) of the headers checked here. */
const COMPACT: Record<string, string> = { i: 'call-id', f: 'from', t: 'to', l: 'content-length', c: 'content-type', e: 'content-encoding' };
const SINGLE_VALUED: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  from: 'From',
  to: 'To',
  'max-forwards': 'Max-Forwards',
  'content-length': 'Content-Length',
  'content-type': 'Content-Type',
  expires: 'Expires',
};
const MAX_CSEQ = 2 ** 31 - 1;
const MAX_32 = 2 ** 32 - 1;

function bad(reason: string): Refusal {
  return { code: 400, reason, headers: [] };
}

/** The values of the single-valued headers (folded lines joined), or a refusal when one of them is repeated. */
function singleValues(text: string): Map<string, string> | Refusal {
  const end = text.indexOf('\r\n\r\n');
  const lines = (end === -1 ? text : text.slice(0, end)).split(/\r?\n/);
  const values = new Map<string, string>();
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last !== undefined) values.set(last, `${values.get(last)!} ${line.trim()}`);
      continue;
    }
    last = undefined;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    if (!(name in SINGLE_VALUED)) continue;
    if (values.has(name)) return bad(`Multiple ${SINGLE_VALUED[name]} headers`);
    values.set(name, line.slice(colon + 1).trim());
    last = name;
  }
  return values;
}

function inRange(value: string | undefined, max: number): boolean {
  return value === undefined || (/^\d{1,10}$/.test(value) && Number(value) <= max);
}

/** Repeated single-valued headers and out-of-range numbers: 400, before the method or the transaction matters. */
export function headerRefusal(text: string): Refusal | undefined {
  const values = singleValues(text);
  if (!(values instanceof Map)) return values;
  const cseq = values.get('cseq');
  if (cseq !== undefined && !inRange(/^(\S+)/.exec(cseq)?.[1], MAX_CSEQ)) return bad('CSeq number out of range');
  if (!inRange(values.get('max-forwards'), 255)) return bad('Max-Forwards out of range');
  if (!inRange(values.get('content-length'), MAX_32)) return bad('Content-Length out of range');
  if (!inRange(values.get('expires'), MAX_32)) return bad('Expires out of range');
  return undefined;
}

/** Whether an Accept header list (§20.1; absent = SDP) takes application/sdp. */
export function acceptsSdp(accepts: string[]): boolean {
  if (accepts.length === 0) return true;
  let wildcard = false;
  for (const range of accepts.join(',').split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const refused = q !== undefined && Number(q.slice(2)) === 0;
    if (type === 'application/sdp') return !refused;
    if ((type === 'application/*' || type === '*/*') && !refused) wildcard = true;
  }
  return wildcard;
}

interface MessageView {
  body: string;
  getHeader(name: string): string | undefined;
  getHeaders(name: string): string[];
}

/** An INVITE's Accept and body: 406 when SDP is not acceptable, 415 for a body that is not (labelled) SDP. */
export function inviteBodyRefusal(message: MessageView): Refusal | undefined {
  if (!acceptsSdp(message.getHeaders('accept'))) return { code: 406, reason: 'Not Acceptable', headers: ['Accept: application/sdp'] };
  if (!message.body) return undefined;
  const encoding = message.getHeader('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    return { code: 415, reason: 'Unsupported Media Type', headers: ['Accept-Encoding: identity', 'Accept: application/sdp'] };
  }
  const type = message.getHeader('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/sdp') return { code: 415, reason: 'Unsupported Media Type', headers: ['Accept: application/sdp'] };
  return undefined;
}
