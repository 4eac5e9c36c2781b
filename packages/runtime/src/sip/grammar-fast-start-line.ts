import { buildUri, TOKEN, URI_CORE, URI_PARAMS } from './grammar-fast-name-addr.js';

/**
 * Fast path for the start line (Request_Response, ~40 µs through the grammar, once per message) and
 * Content-Type (~25 µs). Strict subsets: `METHOD sip:uri SIP/2.0`, `SIP/2.0 NNN reason`, `type/subtype` without
 * parameters. Anything else returns undefined and goes to the grammar. Results are built as the grammar's actions
 * build them (same keys, same order, the same URI).
 */
const RESPONSE = /^(SIP\/2\.0) ([1-6]\d\d) ([A-Za-z0-9 \-_.!~*'()]*)$/i;
const REQUEST = new RegExp(`^([A-Z]+) ${URI_CORE}(${URI_PARAMS}) (SIP/2\\.0)$`, 'i');
/** The grammar matches these methods literally (case-sensitive), so `BYEX` would stop after `BYE` and fail. */
const KNOWN_METHODS = ['INVITE', 'ACK', 'VXACH', 'OPTIONS', 'BYE', 'CANCEL', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH'];
const METHOD = /^[A-Z]+$/;
/** Discrete and composite types match literally too (so `texts/x` fails in the grammar): only exact names here. */
const CONTENT_TYPE = new RegExp(`^(?:text|image|audio|video|application|message|multipart)/${TOKEN}$`, 'i');

export function fastStartLine(input: string): Record<string, unknown> | undefined {
  const r = RESPONSE.exec(input);
  if (r) {
    const out: Record<string, unknown> = {};
    out['sip_version'] = r[1];
    out['status_code'] = Number(r[2]);
    out['reason_phrase'] = r[3];
    return out;
  }
  const m = REQUEST.exec(input);
  if (!m) return undefined;
  const method = m[1] as string;
  if (!METHOD.test(method)) return undefined;
  if (!KNOWN_METHODS.includes(method) && KNOWN_METHODS.some((k) => method.startsWith(k))) return undefined;
  const uri = buildUri(m[2] as string, m[3], m[4] as string, m[5], m[6] as string);
  if (!uri) return undefined;
  const out: Record<string, unknown> = {};
  out['method'] = method;
  // Without a user part the grammar first tries `host:port` as `user:password` (then fails at the missing '@');
  // the password action has run by then and its value stays in the result.
  if (m[3] === undefined && m[5] !== undefined) out['password'] = m[5];
  out['uri'] = uri;
  out['sip_version'] = m[7];
  return out;
}

export function fastContentType(input: string): string | undefined {
  return CONTENT_TYPE.test(input) ? input : undefined;
}
