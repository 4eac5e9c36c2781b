/**
 * Who may use the admin API: anyone on loopback without a token; with a token, only requests that carry it
 * (`Authorization: Bearer`, or the cookie the web page gets from `/?token=`, since EventSource cannot send headers).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'sipflow_admin_token';

/** 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries, from its Authorization header or the web page's cookie. */
export function requestToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return match?.[1];
  }
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='));
    }
  }
  return undefined;
}

/** Host part of a Host header or an origin URL's host: 'localhost:8090' → 'localhost', '[::1]:8090' → '::1'. */
function hostOnly(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

/**
 * Browser-borne attacks on an admin API without a token, on loopback:
 * - DNS rebinding: a page of evil.example re-resolves to 127.0.0.1 and reads /calls; its requests carry
 *   `Host: evil.example`. On a loopback bind, only loopback names or IP literals are accepted as Host.
 * - CSRF: a page elsewhere POSTs to /apps/x/reload; browsers send `Origin`. A request with an Origin whose host is
 *   not the request's Host is refused (same-origin requests of the admin page itself carry a matching Origin).
 * Returns why the request is refused, or undefined.
 */
export function browserAttackReason(req: IncomingMessage, boundHost: string): string | undefined {
  const host = req.headers.host;
  if (isLoopbackHost(boundHost) && host !== undefined) {
    const name = hostOnly(host);
    if (!isLoopbackHost(name) && !/^[\d.]+$/.test(name) && !name.includes(':'))
      return `Host '${host}' is not this server (bound to loopback: use an IP address or localhost)`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return `bad Origin '${origin}'`;
    }
    if (host === undefined || originHost !== host.trim().toLowerCase()) return `cross-origin request from ${origin} refused`;
  } else if (origin === 'null') {
    return 'cross-origin request from an opaque origin refused';
  }
  return undefined;
}
