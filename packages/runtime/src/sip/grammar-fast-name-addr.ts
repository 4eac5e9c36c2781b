import { NameAddrHeader, URI } from 'sip.js/lib/core/index.js';

/**
 * Fast path for From / To / Contact (one of the grammar's slowest rules: 65–85 µs a header, three per message).
 * Accepts only a strict subset of the grammar: `[display] <sip:[user@]host[:port][;uri-params]>[;params]` or
 * `sip:[user@]host[:port][;params]`, IPv4 or plain host names, token params. Everything else returns undefined
 * and goes to the grammar. The result is built the way the grammar's actions build it (same constructors, same
 * param maps in the same order), so it is equal to the grammar's, `toString()` included.
 */

/** Shared pieces of the subset (each a subset of the grammar rule of the same name). */
export const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
export const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
/** Labels without '_' or a trailing '-'; the last one starts with a letter (so it never reads as IPv4). */
export const HOSTNAME = '(?:[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*\\.)*[A-Za-z][A-Za-z0-9]*(?:-+[A-Za-z0-9]+)*';
const PORT = '\\d{1,5}';
const USER = "(?:[A-Za-z0-9\\-_.!~*'()&=+$]|%[0-9A-Fa-f]{2})+";
const PCHARS = "[A-Za-z0-9\\-_.!~*'()]+";
export const URI_PARAMS = `(?:;${PCHARS}(?:=${PCHARS})?)*`;
export const PARAMS = `(?:;${TOKEN}(?:=${TOKEN})?)*`;
const QUOTED = '"((?:[ \\t\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*)"';
const DISPLAY_TOKENS = `(${TOKEN}(?:[ \\t]+${TOKEN})*)`;
/** `(scheme):[(user)@](host)[:(port)]`: four capture groups. */
export const URI_CORE = `(sips?):(?:(${USER})@)?(${IPV4}|${HOSTNAME})(?::(${PORT}))?`;

const NAME_ADDR = new RegExp(`^(?:${QUOTED}|${DISPLAY_TOKENS})?[ \\t]*<${URI_CORE}(${URI_PARAMS})>(${PARAMS})$`, 'i');
const ADDR_SPEC = new RegExp(`^${URI_CORE}(${PARAMS})$`, 'i');
const SIP_URI = new RegExp(`^${URI_CORE}(${URI_PARAMS})$`, 'i');
const PARAM = /;([^;=]+)(?:=([^;]*))?/g;

/** Plain object like the grammar's (assignment, not defineProperty, so even odd names behave the same). */
export type Params = Record<string, string | undefined>;

/** Splits a validated `;a=b;c` string into its [name, value] pairs, in order. */
export function splitParams(s: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const m of s.matchAll(PARAM)) out.push([m[1] as string, m[2]]);
  return out;
}

/** URI params: names the grammar treats specially (and sometimes oddly) are left to it. */
function uriParams(s: string): Params | undefined | null {
  if (s === '') return undefined;
  const params: Params = {};
  for (const [name, value] of splitParams(s)) {
    const lower = name.toLowerCase();
    if (lower === 'transport') {
      if (value === undefined || !/^(?:udp|tcp|sctp|tls)$/i.test(value)) return null;
      params['transport'] = value.toLowerCase();
    } else if (lower.startsWith('lr')) {
      if (lower !== 'lr' || value !== undefined) return null;
      params['lr'] = undefined;
    } else if (lower === 'user' || lower === 'method' || lower === 'ttl' || lower === 'maddr') {
      return null;
    } else {
      params[lower] = value;
    }
  }
  return params;
}

/** The URI the grammar's SIP_URI action builds, or undefined when the subset cannot vouch for it. */
export function buildUri(scheme: string, user: string | undefined, host: string, port: string | undefined, uriParamText: string): URI | undefined {
  const params = uriParams(uriParamText);
  if (params === null) return undefined;
  let decoded: string | undefined;
  if (user !== undefined) {
    try {
      decoded = decodeURIComponent(user);
    } catch {
      return undefined;
    }
  }
  const portNumber = port === undefined ? undefined : Number(port);
  return new URI(scheme, decoded as string, host, portNumber, params as Record<string, string> | undefined);
}

/** The grammar's SIP_URI rule (what `Grammar.URIParse` gives: a `dial()` target), for the subset; else undefined. */
export function fastSipUri(input: string): URI | undefined {
  const m = SIP_URI.exec(input);
  return m ? buildUri(m[1] as string, m[2], m[3] as string, m[4], m[5] as string) : undefined;
}

interface Parsed {
  displayName: string | undefined;
  uri: URI;
  params: Array<[string, string | undefined]>;
}

function parseNameAddr(input: string): Parsed | undefined {
  const m = NAME_ADDR.exec(input) ?? ADDR_SPEC.exec(input);
  if (!m) return undefined;
  // NAME_ADDR: display (quoted | tokens), URI, uri-params, params; ADDR_SPEC: URI, params (uri-params belong to the header).
  const nameAddr = m.length === 9;
  const g = nameAddr ? 2 : 0;
  // The grammar keeps a quoted name's inner text as is (escapes included).
  const displayName = nameAddr ? (m[1] ?? m[2]) : undefined;
  const uri = buildUri(m[g + 1] as string, m[g + 2], m[g + 3] as string, m[g + 4], nameAddr ? (m[7] as string) : '');
  if (!uri) return undefined;
  return { displayName, uri, params: splitParams((nameAddr ? m[8] : m[5]) as string) };
}

/** From / To: `tag=token` is kept aside and set last, as the grammar does. */
export function fastFromTo(input: string): NameAddrHeader | undefined {
  const p = parseNameAddr(input);
  if (!p) return undefined;
  let params: Params | undefined;
  let tag: string | undefined;
  for (const [name, value] of p.params) {
    const lower = name.toLowerCase();
    if (lower === 'tag' && value !== undefined) {
      tag = value;
    } else {
      params ??= {};
      params[lower] = value;
    }
  }
  const header = new NameAddrHeader(p.uri, p.displayName as string, params as Record<string, string>);
  if (tag) header.setParam('tag', tag);
  return header;
}

/** Contact: one contact only (no list, no `*`); q and expires (which the grammar converts to numbers) go to it. */
export function fastContact(input: string): Array<{ position: number; offset: number; parsed: NameAddrHeader }> | undefined {
  const p = parseNameAddr(input);
  if (!p) return undefined;
  let params: Params | undefined;
  for (const [name, value] of p.params) {
    const lower = name.toLowerCase();
    if (lower === 'q' || lower === 'expires') return undefined;
    params ??= {};
    params[lower] = value;
  }
  const header = new NameAddrHeader(p.uri, p.displayName as string, params as Record<string, string>);
  return [{ position: input.length, offset: 0, parsed: header }];
}
