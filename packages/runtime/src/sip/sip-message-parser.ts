import { Grammar, IncomingRequestMessage, IncomingResponseMessage, Parser, type NameAddrHeader } from 'sip.js/lib/core/index.js';
import { fastContact } from './grammar-fast-name-addr.js';
import { fastHeader } from './grammar-fast-path.js';
import { fastStartLine } from './grammar-fast-start-line.js';

/**
 * Parses one SIP message into sip.js's message objects, with the grammar fast path (grammar-fast-path.ts) for the
 * start line and the hot headers, and sip.js's own grammar for everything else. Nothing of sip.js is replaced: the
 * fast path lives in the message classes below (their `parseHeader`) and in this function, so two stacks, a test's
 * reference parser and sip.js's `Parser.parseMessage` in one process never see each other's parser.
 *
 * The result is what `Parser.parseMessage` gives for the same text (test/sip/grammar-fast-path*.test.ts compare them
 * with sip.js's untouched parser), except that the objects are the subclasses below. undefined: not a SIP message
 * (no start line, a start line or mandatory header sip.js's grammar rejects, an unterminated header).
 */
export function parseSipMessage(data: string): SipRequestMessage | SipResponseMessage | undefined {
  const lineEnd = data.indexOf('\r\n');
  if (lineEnd === -1) return undefined;
  const line = data.slice(0, lineEnd);
  const start = (fastStartLine(line) ?? Grammar.parse(line, 'Request_Response')) as StartLine | -1;
  if (start === -1) return undefined;
  let message: SipRequestMessage | SipResponseMessage;
  if (!start.status_code) {
    message = new SipRequestMessage();
    message.method = start.method as string;
    message.ruri = start.uri;
  } else {
    message = new SipResponseMessage();
    message.statusCode = start.status_code;
    message.reasonPhrase = start.reason_phrase as string;
  }
  message.data = data;
  let headerStart = lineEnd + 2;
  for (;;) {
    // sip.js's own header splitter (folded lines joined): -2 at the blank line, -1 when a header has no CRLF.
    const headerEnd = Parser.getHeader(data, headerStart);
    if (headerEnd === -2) break;
    if (headerEnd === -1) return undefined;
    if (!addHeaderLine(message, data, headerStart, headerEnd)) return undefined;
    headerStart = headerEnd + 2;
  }
  const bodyStart = headerStart + 2;
  // RFC 3261 §18.3: bytes beyond Content-Length are not part of the body.
  message.body = message.hasHeader('content-length')
    ? data.substr(bodyStart, Number(message.getHeader('content-length')))
    : data.substring(bodyStart);
  return message;
}

/** What the grammar's Request_Response rule (and fastStartLine) give. */
interface StartLine {
  method?: string;
  uri?: IncomingRequestMessage['ruri'];
  status_code?: number;
  reason_phrase?: string;
}

/**
 * One header line. Contact is the one hot header sip.js's `Parser.parseHeader` sends to the grammar itself (a list of
 * entries, each stored with its own parse): it is split here with the fast path first. Every other header goes to
 * `Parser.parseHeader`, which parses through `message.parseHeader`, where the fast path is.
 */
function addHeaderLine(message: SipRequestMessage | SipResponseMessage, data: string, start: number, end: number): boolean {
  const colon = data.indexOf(':', start);
  const name = data.substring(start, colon).trim().toLowerCase();
  if (name !== 'contact' && name !== 'm') return Parser.parseHeader(message, data, start, end) === true;
  const value = data.substring(colon + 1, end).trim();
  const entries = (fastContact(value) ?? Grammar.parse(value, 'Contact')) as ContactEntry[] | -1;
  if (!Array.isArray(entries)) return false;
  for (const entry of entries) {
    message.addHeader('contact', value.substring(entry.position, entry.offset));
    const stored = message.headers['Contact'] as Array<{ raw: string; parsed?: unknown }>;
    (stored[stored.length - 1] as { parsed?: unknown }).parsed = entry.parsed;
  }
  return true;
}

interface ContactEntry {
  position: number;
  offset: number;
  parsed: NameAddrHeader;
}

/** Header name (lower case, `-` or `_`) → the key sip.js stores it under and its grammar rule, for the fast path. */
const FAST_HEADERS: ReadonlyMap<string, { key: string; rule: string }> = new Map(
  ['Via', 'From', 'To', 'Contact', 'Call-ID', 'CSeq', 'Content-Type', 'Content-Length', 'Max-Forwards'].map((key) => [
    key.toLowerCase(),
    { key, rule: key.replace(/-/g, '_') },
  ]),
);

/**
 * sip.js parses a header lazily, the first time `parseHeader` asks for it, and keeps the result. Here the fast path is
 * asked first; what it does not accept goes to sip.js's grammar as before. A kept result that is falsy (a
 * Content-Length of 0) is returned as kept, where sip.js would parse it again.
 */
function fastParseHeader(message: IncomingRequestMessage | IncomingResponseMessage, name: string, idx: number): unknown {
  const known = FAST_HEADERS.get(name.toLowerCase().replace(/_/g, '-'));
  if (!known) return undefined;
  const header = (message.headers[known.key] as Array<{ raw: string; parsed?: unknown }> | undefined)?.[idx];
  if (!header) return undefined;
  if (header.parsed !== undefined) return header.parsed;
  const parsed = fastHeader(header.raw, known.rule);
  if (parsed !== undefined) header.parsed = parsed;
  return parsed;
}

/** A request as sip.js's IncomingRequestMessage, parsing its hot headers with the fast path. */
export class SipRequestMessage extends IncomingRequestMessage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sip.js's signature
  override parseHeader(name: string, idx = 0): any {
    return fastParseHeader(this, name, idx) ?? super.parseHeader(name, idx);
  }
}

/** A response as sip.js's IncomingResponseMessage, parsing its hot headers with the fast path. */
export class SipResponseMessage extends IncomingResponseMessage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sip.js's signature
  override parseHeader(name: string, idx = 0): any {
    return fastParseHeader(this, name, idx) ?? super.parseHeader(name, idx);
  }
}
