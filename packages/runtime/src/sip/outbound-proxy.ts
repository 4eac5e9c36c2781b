/**
 * An outbound proxy (RFC 3261 §8.1.2): the legs we place go to it first, as a pre-loaded Route set of one URI. Only
 * loose routing (`;lr`, RFC 3261 §16.12): a strict router would need the Request-URI rewritten, which nothing
 * current asks for.
 */
import { parseSipUri, uriDestination, type Destination } from './wire.js';

export interface OutboundProxy {
  /** The Route header value, e.g. '<sip:127.0.0.1:5070;lr>'. */
  route: string;
  /** Where the first hop of a request goes. */
  destination: Destination;
}

/**
 * Parse 'sip:HOST[:PORT];lr[;transport=tcp]' (angle brackets optional). Returns the reason it is unusable as a
 * string, for the caller to put in its own coded error (a CLI option, an app's config key).
 */
export function parseOutboundProxy(value: string): OutboundProxy | string {
  const text = value.trim().replace(/^<(.*)>$/, '$1');
  const uri = parseSipUri(text);
  const destination = uriDestination(text);
  if (!uri || !destination || !/^sip:/i.test(text)) return `expected sip:HOST:PORT;lr (e.g. sip:127.0.0.1:5070;lr), got '${value}'`;
  if (uri.user !== undefined) return `an outbound proxy URI names a host, not a user: '${value}'`;
  if (!uri.params.has('lr')) return `'${value}' is a strict router (no ;lr); only loose routing is supported: add ;lr`;
  return { route: `<${text}>`, destination };
}
