/**
 * How a leg ended, in one pure function: what happened (the dialog ended, the flow finished, its owner hung it up,
 * an error) and how far the call had got → the outcome the registry records, the reason shown with it, and the SIP
 * status an unanswered inbound call is refused with.
 */
import type { CallDirection, CallEndReason } from '../../sip/sip-types.js';
import type { HangupReason } from '../../flow/events.js';
import { flowErrorStatus, type FlowErrorCode } from '../../flow/errors.js';
import type { CallOutcome } from '../registry-types.js';

export type FinalOutcome = Exclude<CallOutcome, 'active'>;

/** The end of a leg as `Leg.finish()` carries it out. */
export interface LegEnd {
  outcome: FinalOutcome;
  /** Recorded with the outcome: a SIP status ('486'), a peer's end ('bye', 'cancel') or a cause ('flow ended'). */
  reason: string;
  /** Status of the final answer to a still unanswered inbound INVITE (default 480, 500 after an error). */
  code?: number;
  /** Tell the still-running flow why it ends (so its state graph shows it), its commands ignored from then on. */
  hangup?: HangupReason;
}

/** What made the leg end. */
export type LegEnding =
  /** The SIP dialog ended (the peer's BYE or CANCEL, no ACK, a refusal, our own hangup or reject). */
  | { kind: 'sip-ended'; reason: CallEndReason }
  /** The flow reached a final state. */
  | { kind: 'flow-done' }
  /** The flow threw (on start or on an event). */
  | { kind: 'flow-failed' }
  /** The flow left an `error` event unhandled. */
  | { kind: 'unhandled-error'; code: FlowErrorCode }
  /** The leg that owns this one hung it up ('hung up by owner') or ended ('owner ended'). */
  | { kind: 'owner'; reason: string }
  /** The peer's SDP (an outbound 2xx, the ACK of a delayed offer) is missing or unusable. */
  | { kind: 'bad-sdp'; code: FlowErrorCode }
  /** The leg's media stream failed (its media worker died). */
  | { kind: 'media-failed' }
  /** No RTP arrived within the stream's timeout. */
  | { kind: 'rtp-timeout' }
  /** The outbound leg could not be placed at all, answered as `code` (503 no media port, 500 otherwise). */
  | { kind: 'dial-failed'; code: number }
  /** The flow hung up an outbound leg before it was placed. */
  | { kind: 'hangup-unplaced' };

/** How far the call had got when it ended. */
export interface LegProgress {
  direction: CallDirection;
  /** We answered (inbound 200 sent) or the callee did (outbound 2xx). */
  answered: boolean;
  /** The final non-2xx status of the INVITE, when there was one (our reject, the callee's refusal). */
  lastReply: number | undefined;
  /** The SIP dialog has ended. */
  sipEnded: boolean;
}

export function outcomeOf(ending: LegEnding, leg: LegProgress): LegEnd {
  switch (ending.kind) {
    case 'sip-ended':
      return sipEndedOutcome(ending.reason, leg);
    case 'flow-done':
      if (leg.answered) return { outcome: 'completed', reason: leg.sipEnded ? 'bye' : 'flow ended' };
      if (leg.lastReply !== undefined) return { outcome: leg.direction === 'inbound' ? 'rejected' : 'failed', reason: String(leg.lastReply) };
      // Unanswered and never refused: the runtime refuses an inbound call (480); an outbound one is cancelled.
      return leg.direction === 'inbound' ? { outcome: 'rejected', reason: '480', code: 480 } : { outcome: 'cancelled', reason: 'flow ended' };
    case 'flow-failed':
      return { outcome: 'error', reason: 'flow error', code: 500 };
    case 'unhandled-error':
      return { outcome: 'error', reason: ending.code, code: flowErrorStatus[ending.code] ?? 500 };
    case 'owner':
      return { outcome: leg.answered ? 'completed' : 'cancelled', reason: ending.reason, hangup: 'owner' };
    case 'bad-sdp':
      return { outcome: 'error', reason: ending.code };
    case 'media-failed':
      return { outcome: 'error', reason: 'media failed', code: 500 };
    case 'rtp-timeout':
      return { outcome: 'failed', reason: 'rtp-timeout', code: 408 };
    case 'dial-failed':
      return { outcome: 'failed', reason: String(ending.code) };
    case 'hangup-unplaced':
      return { outcome: 'cancelled', reason: 'hangup' };
  }
}

/** The dialog ended first: who ended it, and whether the call had been answered or refused. */
function sipEndedOutcome(reason: CallEndReason, leg: LegProgress): LegEnd {
  const outcome = sipEndedOutcomeKind(reason, leg);
  if (outcome === 'rejected' || outcome === 'failed') return { outcome, reason: String(leg.lastReply ?? reason) };
  return { outcome, reason: reason === 'local' ? 'hangup' : reason };
}

function sipEndedOutcomeKind(reason: CallEndReason, leg: LegProgress): FinalOutcome {
  // A WebSocket client gone (tab closed) is a caller giving up before the answer, a BYE after it.
  // Our own end ('local') before the answer is a refusal of an inbound call (reject, hangup with a code) and a CANCEL
  // of an outbound one (as when its owner hangs it up); after the answer it is a hangup.
  switch (reason) {
    case 'cancel':
      return 'cancelled';
    case 'connection-lost':
      return leg.answered ? 'completed' : 'cancelled';
    case 'failed':
    case 'ack-timeout':
    case 'watchdog':
      return 'failed';
    case 'local':
      if (leg.answered) return 'completed';
      if (leg.direction === 'outbound') return 'cancelled';
      return leg.lastReply !== undefined ? 'rejected' : 'completed';
    case 'bye':
    case 'shutdown':
      return 'completed';
  }
}
