import type { Logger } from 'pino';
import type {
  Body,
  IncomingByeRequest,
  IncomingInfoRequest,
  IncomingInviteRequest,
  IncomingResponse,
  Session,
  SessionDelegate,
} from 'sip.js/lib/core/index.js';
import type { InfoRequest, ReinviteRequest, ReinviteResult } from './sip-types.js';
import type { StackScope } from './timer-scope.js';

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

/**
 * A re-INVITE for the layer above: answered once, by accept or reject (a second answer is ignored), as work of the
 * stack (`inStack`: the answer arms the stack's timers, whatever event the flow answers from).
 */
export function reinviteRequest(req: IncomingInviteRequest, log: Logger, inStack: StackScope): ReinviteRequest {
  let answered = false;
  const once = (fn: () => void) => {
    if (answered) return;
    answered = true;
    try {
      inStack(fn);
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

/** What a call does with the requests of its confirmed dialog; `ended` says whether it has already ended. */
export interface DialogRequestHandlers {
  ended(): boolean;
  bye(): void;
  info(request: InfoRequest): void;
  reinvite(request: ReinviteRequest): void;
}

/**
 * The session delegate for BYE, INFO and re-INVITE inside a confirmed dialog, the same for inbound and outbound
 * calls: BYE and INFO are answered 200 (even after the call ended, so the peer stops retransmitting), a re-INVITE
 * after the end gets 481.
 */
export function dialogRequestDelegate(handlers: DialogRequestHandlers, log: Logger, inStack: StackScope): SessionDelegate {
  return {
    onBye: (req: IncomingByeRequest) => {
      req.accept();
      if (!handlers.ended()) handlers.bye();
    },
    onInfo: (req: IncomingInfoRequest) => {
      req.accept();
      if (!handlers.ended()) handlers.info(infoOf(req.message));
    },
    onInvite: (req: IncomingInviteRequest) => {
      if (handlers.ended()) {
        req.reject({ statusCode: 481 });
        return;
      }
      req.trying();
      handlers.reinvite(reinviteRequest(req, log, inStack));
    },
  };
}

/**
 * Send a re-INVITE with `sdp` in a confirmed dialog (hold/resume, RFC 3264 §8). Resolves with the final status and,
 * for a 2xx, the answer (the stack has sent the ACK); a non-2xx (e.g. 491 glare, 488) or a timeout (408) leaves the
 * session as it was. Never rejects.
 */
export function sendReinvite(session: Session, sdp: string, contact: string, log: Logger): Promise<ReinviteResult> {
  return new Promise((resolve) => {
    const final = (r: IncomingResponse) => resolve({ code: r.message.statusCode ?? 0, sdp: undefined });
    try {
      session.invite(
        {
          onAccept: (r) => {
            try {
              r.ack();
            } catch (err) {
              log.warn({ err }, 'sip: ACK of re-INVITE not sent');
            }
            resolve({ code: r.message.statusCode ?? 200, sdp: sdpOf(r.message) });
          },
          onRedirect: final,
          onReject: final,
        },
        // A target refresh request carries our Contact (RFC 3261 §12.2.1.1); sip.js leaves it to the caller.
        { body: sdpBody(sdp), extraHeaders: [`Contact: ${contact}`] },
      );
    } catch (err) {
      // sip.js refuses while another offer/answer is pending in the dialog: the same meaning as 491.
      log.debug({ err }, 'sip: re-INVITE not sent');
      resolve({ code: 491, sdp: undefined });
    }
  });
}

/** Send an INFO in a confirmed dialog; resolves with the final status (408 on timeout). Never rejects. */
export function sendInfoRequest(session: Session, contentType: string, body: string, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    const final = (r: IncomingResponse) => resolve(r.message.statusCode ?? 0);
    try {
      session.info({ onAccept: final, onRedirect: final, onReject: final }, { body: { contentDisposition: 'render', contentType, content: body } });
    } catch (err) {
      log.debug({ err }, 'sip: INFO not sent');
      resolve(500);
    }
  });
}
