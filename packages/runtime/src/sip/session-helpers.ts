import type { Logger } from 'pino';
import type { Body, IncomingInviteRequest } from 'sip.js/lib/core/index.js';
import type { InfoRequest, ReinviteRequest } from './sip-types.js';

/** The subset of sip.js's message classes we read bodies from. */
interface MessageWithBody {
  body: string;
  getHeader(name: string): string | undefined;
}

export function sdpBody(sdp: string): Body {
  return { contentDisposition: 'session', contentType: 'application/sdp', content: sdp };
}

/** The SDP of a message, undefined when it has no body or another content type (SDP is opaque here). */
export function sdpOf(message: MessageWithBody): string | undefined {
  if (!message.body) return undefined;
  const type = message.getHeader('content-type');
  if (type && !/^\s*application\/sdp\b/i.test(type)) return undefined;
  return message.body;
}

export function infoOf(message: MessageWithBody): InfoRequest {
  return { contentType: message.getHeader('content-type'), body: message.body ?? '' };
}

/** A re-INVITE for the layer above: answered once, by accept or reject (a second answer is ignored). */
export function reinviteRequest(req: IncomingInviteRequest, log: Logger): ReinviteRequest {
  let answered = false;
  const once = (fn: () => void) => {
    if (answered) return;
    answered = true;
    try {
      fn();
    } catch (err) {
      log.warn({ err }, 'sip: re-INVITE answer failed');
    }
  };
  return {
    sdp: sdpOf(req.message),
    accept: (sdp) => once(() => req.accept({ statusCode: 200, body: sdpBody(sdp) })),
    reject: (code, reason) => once(() => req.reject({ statusCode: code, ...(reason ? { reasonPhrase: reason } : {}) })),
  };
}
