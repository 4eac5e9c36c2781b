/**
 * The SIP dialog's events, as the leg hears them: `listenToSip` turns an InboundCall's or OutboundCall's events into
 * one `LegSipEvent` union, and one handler per event type applies it to the leg's session and media and gives the
 * flow its call events (`call.ringing`, `call.answered`, `dtmf`, `sip.hangup`, ...) and the owner its leg events.
 */
import type { CallEndReason, InboundCall, InfoRequest, OutboundCall, ReinviteRequest } from '../../sip/sip-types.js';
import { parseDtmfInfo } from '../../media/dtmf-relay.js';
import type { HangupReason } from '../../flow/events.js';
import { flowErrors, toFlowError } from '../../flow/errors.js';
import type { LegContext } from './leg-context.js';

export type LegSipEvent =
  /** Inbound: the ACK for our 2xx; `sdp` answers our offer after an offerless INVITE. */
  | { type: 'acked'; sdp: string | undefined }
  /** Outbound: a 1xx other than 100; `sdp` when it carries early media. */
  | { type: 'provisional'; code: number; sdp: string | undefined }
  /** Outbound: the 2xx (ACKed by the stack), with its answer. */
  | { type: 'answered'; sdp: string | undefined }
  /** Outbound: a final non-2xx, or 408 on timeout. */
  | { type: 'failed'; code: number; reason: string }
  /** An INFO in the dialog (already answered 200). */
  | { type: 'info'; request: InfoRequest }
  /** A re-INVITE in the dialog, to answer. */
  | { type: 'reinvite'; request: ReinviteRequest }
  /** The dialog is over (emitted once, last). */
  | { type: 'ended'; reason: CallEndReason };

type LegSipEventType = LegSipEvent['type'];
type SipEventOf<T extends LegSipEventType> = Extract<LegSipEvent, { type: T }>;
type SipEventHandlers = { [T in LegSipEventType]: (leg: LegContext, event: SipEventOf<T>) => void };

/** Subscribe to every event of the dialog the leg cares about, as LegSipEvents. */
export function listenToSip(call: InboundCall | OutboundCall, listener: (event: LegSipEvent) => void): void {
  if (call.direction === 'inbound') {
    call.on('acked', (sdp) => listener({ type: 'acked', sdp }));
    call.on('info', (request) => listener({ type: 'info', request }));
    call.on('reinvite', (request) => listener({ type: 'reinvite', request }));
    call.on('ended', (reason) => listener({ type: 'ended', reason }));
  } else {
    call.on('provisional', (code, _reason, sdp) => listener({ type: 'provisional', code, sdp }));
    call.on('answered', (sdp) => listener({ type: 'answered', sdp }));
    call.on('failed', (code, reason) => listener({ type: 'failed', code, reason }));
    call.on('info', (request) => listener({ type: 'info', request }));
    call.on('reinvite', (request) => listener({ type: 'reinvite', request }));
    call.on('ended', (reason) => listener({ type: 'ended', reason }));
  }
}

/** Apply one dialog event to the leg. */
export function handleSipEvent<T extends LegSipEventType>(leg: LegContext, event: SipEventOf<T>): void {
  const handler: SipEventHandlers[T] = sipEventHandlers[event.type];
  handler(leg, event);
}

/** How the peer's end of the dialog reads to the flow (`sip.hangup`); undefined when we ended it. */
export function hangupReasonOf(reason: CallEndReason): HangupReason | undefined {
  // A WebSocket client gone (tab closed) is the far end leaving, as a BYE would say.
  switch (reason) {
    case 'bye':
    case 'connection-lost':
      return 'bye';
    case 'cancel':
      return 'cancel';
    case 'ack-timeout':
    case 'watchdog':
      return 'timeout';
    case 'local':
    case 'failed':
    case 'shutdown':
      return undefined;
  }
}

export const sipEventHandlers: SipEventHandlers = {
  acked(leg, { sdp }) {
    if (leg.session.delayedOffer) return delayedAnswer(leg, sdp);
    leg.later({ type: 'call.answered' });
  },

  provisional(leg, { code, sdp }) {
    // Early media: the provisional's SDP answers our offer (the 2xx repeats it, applied again then).
    let early = false;
    if (sdp !== undefined && !leg.finished()) {
      try {
        leg.session.stream?.setRemoteAnswer(sdp);
        early = true;
      } catch (err) {
        const e = toFlowError(err);
        leg.log.warn({ code: e.code, err: e.message }, 'early media SDP unusable: ignored (the 2xx may do)');
      }
    }
    leg.later({ type: 'call.ringing', code, early });
    leg.tellOwner({ type: 'leg.ringing', leg: leg.ref, code, early });
  },

  answered(leg, { sdp }) {
    queueMicrotask(() => {
      if (leg.finished()) return;
      try {
        if (sdp) leg.session.stream?.setRemoteAnswer(sdp);
      } catch (err) {
        const e = toFlowError(err);
        leg.log.warn({ code: e.code, err: e.message }, 'callee answered with SDP we cannot use');
        leg.end({ kind: 'bad-sdp', code: e.code });
        return;
      }
      leg.session.answered = true;
      leg.session.mediaStarted = true;
      leg.deliver({ type: 'call.started' });
      leg.deliver({ type: 'call.answered' });
      leg.tellOwner({ type: 'leg.answered', leg: leg.ref });
    });
  },

  failed(leg, { code, reason }) {
    leg.session.lastReply = code;
    leg.later({ type: 'call.failed', code, reason });
    leg.tellOwner({ type: 'leg.failed', leg: leg.ref, code, reason });
  },

  info(leg, { request }) {
    const dtmf = parseDtmfInfo(request.contentType, request.body);
    if (!dtmf) return;
    // The stream deduplicates against RFC 4733 / in-band reports of the same press and emits 'dtmf'.
    if (leg.session.stream) leg.session.stream.injectDtmf(dtmf.key, 'info', dtmf.durationMs);
    else leg.deliver({ type: 'dtmf', key: dtmf.key, source: 'info' });
  },

  reinvite(leg, { request }) {
    const stream = leg.session.stream;
    if (!stream) return request.reject(488);
    try {
      request.accept(request.sdp ? stream.answer(request.sdp) : (leg.session.localSdp ?? stream.offer()));
    } catch (err) {
      leg.log.warn({ err: toFlowError(err).message }, 're-INVITE refused');
      request.reject(488);
    }
  },

  ended(leg, { reason }) {
    // After the current emit: the stack finishes its own bookkeeping before the leg ends everything.
    queueMicrotask(() => {
      leg.markSipEnded();
      if (leg.finished()) return;
      const hangup = hangupReasonOf(reason);
      if (hangup) leg.deliver({ type: 'sip.hangup', reason: hangup });
      leg.end({ kind: 'sip-ended', reason });
    });
  },
};

/** The ACK of a delayed-offer call: apply its answer, then the media is live and the call answered. */
function delayedAnswer(leg: LegContext, sdp: string | undefined): void {
  queueMicrotask(() => {
    if (leg.finished()) return;
    try {
      if (!sdp) throw flowErrors.badSdp('the ACK carries no SDP answer to our offer');
      leg.session.stream?.setRemoteAnswer(sdp);
    } catch (err) {
      const e = toFlowError(err);
      leg.log.warn({ code: e.code, err: e.message }, 'caller answered our offer with SDP we cannot use: BYE');
      leg.end({ kind: 'bad-sdp', code: e.code });
      return;
    }
    leg.startMedia();
    leg.later({ type: 'call.answered' });
  });
}
