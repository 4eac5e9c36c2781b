/**
 * Raw-text helpers for SIP messages on the wire: what the transport needs before (or instead of) sip.js's parser —
 * stream framing, the top Via (received/rport, where responses go), where requests go, and minimal stateless
 * responses for requests the core must never see (malformed, unsupported).
 *
 * They work on strings we either generated (sip.js output) or must treat as hostile (network input): every function
 * returns undefined rather than throwing on input it does not understand.
 */

/** 'ws'/'wss': SIP over WebSocket (RFC 7118), on connections the clients opened. */
export type TransportName = 'udp' | 'tcp' | 'ws' | 'wss';

export interface Destination {
  host: string;
  port: number;
  transport: TransportName;
  /** The URI named its transport (';transport=…'); false when UDP is only the default. */
  explicit?: boolean;
}

const CRLF = '\r\n';

/** Index of the blank line ending the header block, or -1. */
function headerEnd(text: string): number {
  return text.indexOf('\r\n\r\n');
}

/** Compact header forms (RFC 3261 §7.3.3) we care about. */
const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

/** Canonical lower-case name of a header line's name ('v' → 'via'). */
export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** The header lines of a message (after the start line, unfolded), as [lower-case canonical name, value]. */
export function headerLines(text: string): Array<[string, string]> {
  const end = headerEnd(text);
  const head = end === -1 ? text : text.slice(0, end);
  const raw = head.split(CRLF);
  const out: Array<[string, string]> = [];
  for (let i = 1; i < raw.length; i++) {
    const line = raw[i]!;
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 0) {
      const last = out[out.length - 1]!;
      last[1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([canonicalHeaderName(line.slice(0, colon)), line.slice(colon + 1).trim()]);
  }
  return out;
}

/** First value of a header (case-insensitive, compact forms understood). */
export function firstHeader(text: string, name: string): string | undefined {
  const want = canonicalHeaderName(name);
  for (const [n, v] of headerLines(text)) if (n === want) return v;
  return undefined;
}

export interface ParsedVia {
  transport: string;
  host: string;
  port: number | undefined;
  params: Map<string, string | undefined>;
}

/**
 * `;name=value;flag` parameters, names lower-cased, a flag's value undefined. `lwsAroundEqual`: a Via may have white
 * space around '=' (RFC 3261 §25.1 EQUAL), trimmed off name and value; in a URI it is part of them (left as is).
 */
function parseParams(text: string, lwsAroundEqual: boolean): Map<string, string | undefined> {
  const params = new Map<string, string | undefined>();
  for (const part of text.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq === -1) params.set(p.toLowerCase(), undefined);
    else if (lwsAroundEqual) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    else params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
  }
  return params;
}

/** Parse one Via value ("SIP/2.0/UDP host:port;branch=x;rport"), the first of a comma list. */
export function parseVia(value: string): ParsedVia | undefined {
  const first = value.split(',')[0]!.trim();
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^\s:;]+)(?:\s*:\s*(\d+))?\s*(.*)$/i.exec(first);
  if (!m) return undefined;
  const params = parseParams(m[4] ?? '', true);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  return { transport: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port, params };
}

/**
 * RFC 3261 §18.2.1 / RFC 3581 §4: stamp the top Via of a received request with `received` (source address) and
 * fill an empty `rport` with the source port, so that responses built from it go back where the request came from.
 */
export function stampVia(text: string, address: string, port: number, forceRport = false): string {
  const end = headerEnd(text);
  const limit = end === -1 ? text.length : end;
  const re = /\r\n(via|v)[ \t]*:[ \t]*([^\r\n]*)/gi;
  re.lastIndex = 0;
  const m = re.exec(text);
  if (!m || m.index > limit) return text;
  const value = m[2]!;
  const comma = value.indexOf(',');
  const top = comma === -1 ? value : value.slice(0, comma);
  const rest = comma === -1 ? '' : value.slice(comma);
  const via = parseVia(top);
  if (!via) return text;
  let stamped = top.trimEnd();
  const hasRport = via.params.has('rport') || forceRport;
  // Stream transports: always record the source port, so the response finds the connection it must use.
  if (forceRport && !via.params.has('rport')) stamped += `;rport=${port}`;
  else if (hasRport && via.params.get('rport') === undefined) stamped = stamped.replace(/;\s*rport(?=\s*(;|$))/i, `;rport=${port}`);
  if ((hasRport || via.host !== address) && !via.params.has('received')) stamped += `;received=${address}`;
  const start = m.index + 2 + m[1]!.length;
  const colon = text.indexOf(':', start);
  return text.slice(0, colon + 1) + ' ' + stamped + rest + text.slice(m.index + m[0].length);
}

/** Where a response goes (RFC 3261 §18.2.2 with RFC 3581): received/rport of the top Via, else its sent-by. */
export function responseDestination(text: string): Destination | undefined {
  const v = firstHeader(text, 'via');
  if (!v) return undefined;
  const via = parseVia(v);
  if (!via) return undefined;
  const host = via.params.get('received') ?? via.host;
  const rport = via.params.get('rport');
  const port = rport !== undefined && /^\d+$/.test(rport) ? Number(rport) : (via.port ?? 5060);
  return { host, port, transport: viaTransportName(via.transport) };
}

export interface ParsedSipUri {
  user: string | undefined;
  host: string;
  port: number | undefined;
  params: Map<string, string | undefined>;
}

/** Parse 'sip:user@host:port;params' (angle brackets and a display name tolerated). */
export function parseSipUri(raw: string): ParsedSipUri | undefined {
  let s = raw.trim();
  const lt = s.indexOf('<');
  if (lt !== -1) {
    const gt = s.indexOf('>', lt);
    if (gt === -1) return undefined;
    s = s.slice(lt + 1, gt);
  }
  const m = /^sips?:(?:([^@;>]*)@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?([^?]*)/i.exec(s);
  if (!m) return undefined;
  const params = parseParams(m[4] ?? '', false);
  const user = m[1] === undefined ? undefined : m[1].split(':')[0];
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port <= 0 || port > 65535)) return undefined;
  return { user, host: m[2]!.replace(/^\[|\]$/g, ''), port, params };
}

/** Where a request goes: its first Route (loose routing), else its Request-URI. */
export function requestDestination(text: string): Destination | undefined {
  const route = firstHeader(text, 'route');
  let uriText: string | undefined;
  if (route) uriText = route.split(',')[0];
  else {
    const lineEnd = text.indexOf(CRLF);
    const parts = text.slice(0, lineEnd === -1 ? undefined : lineEnd).split(' ');
    uriText = parts[1];
  }
  if (!uriText) return undefined;
  return uriDestination(uriText);
}

export function uriDestination(uriText: string): Destination | undefined {
  const uri = parseSipUri(uriText);
  if (!uri) return undefined;
  const param = uri.params.get('transport');
  const named = (param ?? 'udp').toLowerCase();
  const transport = named === 'tcp' || named === 'ws' || named === 'wss' ? named : 'udp';
  return { host: uri.host, port: uri.port ?? 5060, transport, explicit: param !== undefined };
}

/** Our name of a Via transport token ('TCP' → 'tcp'); anything unknown is treated as UDP. */
function viaTransportName(token: string): TransportName {
  const t = token.toLowerCase();
  return t === 'tcp' || t === 'ws' || t === 'wss' ? t : 'udp';
}

/** Rewrite the transport token of the top Via of an outgoing request (sip.js writes one token for every request). */
export function setViaTransport(text: string, transport: TransportName): string {
  if (transport === 'udp') return text;
  return text.replace(/(\r\nVia:\s*SIP\/2\.0\/)UDP /i, `$1${transport.toUpperCase()} `);
}

export interface MessageKey {
  isRequest: boolean;
  /** Request method, or the CSeq method of a response. */
  method: string;
  status: number;
  branch: string | undefined;
  /** The top Via's sent-by (host:port as written): with the branch, what identifies a transaction (RFC 3261 §17.2.3). */
  sentBy: string;
  cseqMethod: string | undefined;
  callId: string | undefined;
}

/** The few fields the retransmission layer needs, read without the full parser. */
export function messageKey(text: string): MessageKey | undefined {
  const lineEnd = text.indexOf(CRLF);
  if (lineEnd <= 0) return undefined;
  const start = text.slice(0, lineEnd);
  let isRequest: boolean;
  let method = '';
  let status = 0;
  if (start.startsWith('SIP/2.0 ')) {
    isRequest = false;
    status = Number(start.slice(8, 11));
  } else {
    isRequest = true;
    method = start.slice(0, start.indexOf(' '));
  }
  let branch: string | undefined;
  let sentBy = '';
  let cseqMethod: string | undefined;
  let callId: string | undefined;
  for (const [n, v] of headerLines(text)) {
    if (n === 'via' && branch === undefined) {
      const via = parseVia(v);
      branch = via?.params.get('branch') ?? '';
      if (via) sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
    } else if (n === 'cseq' && cseqMethod === undefined) {
      cseqMethod = v.split(/\s+/)[1]?.toUpperCase();
    } else if (n === 'call-id' && callId === undefined) {
      callId = v;
    }
    if (branch !== undefined && cseqMethod !== undefined && callId !== undefined) break;
  }
  if (!isRequest) method = cseqMethod ?? '';
  return { isRequest, method, status, branch: branch || undefined, sentBy, cseqMethod, callId };
}

/**
 * A stateless response to a request, copying Via/From/To/Call-ID/CSeq from it (RFC 3261 §8.2.6). Used for requests
 * the core never sees (bad headers, unsupported methods); a To tag is added when absent.
 */
export function statelessResponse(
  request: string,
  code: number,
  reason: string,
  extraHeaders: string[] = [],
  userAgent = 'sipflow',
  toTag: string = randomToken(10),
): string {
  const lines: string[] = [`SIP/2.0 ${code} ${reason}`];
  for (const [n, v] of headerLines(request)) {
    if (n === 'via') lines.push(`Via: ${v}`);
    else if (n === 'from') lines.push(`From: ${v}`);
    else if (n === 'to') lines.push(/;\s*tag=/i.test(v) ? `To: ${v}` : `To: ${v};tag=${toTag}`);
    else if (n === 'call-id') lines.push(`Call-ID: ${v}`);
    else if (n === 'cseq') lines.push(`CSeq: ${v}`);
  }
  lines.push(...extraHeaders, `Server: ${userAgent}`, 'Content-Length: 0', '', '');
  return lines.join(CRLF);
}

export function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

/**
 * Splits a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3). Leading CRLFs (keep-alives) are
 * skipped. A header block without Content-Length or over `maxMessage` bytes makes the stream unusable: `push`
 * returns an error and the caller closes the connection.
 */
const START_LINE = /^(?:[A-Za-z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3} .*)$/;

export class StreamFramer {
  #buffer: Buffer = Buffer.alloc(0);
  constructor(private readonly maxMessage = 65535) {}

  /** Bytes of a message not yet complete. */
  get pending(): number {
    return this.#buffer.length;
  }

  push(chunk: Buffer): { messages: string[]; error?: string } {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      let start = 0;
      while (start + 1 < this.#buffer.length && this.#buffer[start] === 13 && this.#buffer[start + 1] === 10) start += 2;
      if (start > 0) this.#buffer = this.#buffer.subarray(start);
      // A stream that does not start with a SIP start line will never frame: give up early.
      const lineEnd = this.#buffer.indexOf('\r\n');
      if (lineEnd === -1 ? this.#buffer.length > 1024 : !START_LINE.test(this.#buffer.subarray(0, lineEnd).toString('latin1'))) {
        return { messages, error: 'not a SIP start line' };
      }
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (this.#buffer.length > this.maxMessage) return { messages, error: 'header block too large' };
        return { messages };
      }
      const head = this.#buffer.subarray(0, end).toString('latin1');
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(head);
      if (!m) return { messages, error: 'no Content-Length on a stream transport' };
      const length = Number(m[1]);
      const total = end + 4 + length;
      if (total > this.maxMessage) return { messages, error: 'message too large' };
      if (this.#buffer.length < total) return { messages };
      messages.push(this.#buffer.subarray(0, total).toString('utf8'));
      this.#buffer = this.#buffer.subarray(total);
    }
  }
}
