/**
 * The call events a flow receives from the runtime: one namespaced union, shared by the runtime, flows and tests.
 * A flow's own event union is `CallEvent | <messages other legs send it>`.
 */
import type { DtmfKey, DtmfSource } from '../media/media-types.js';
import type { FlowErrorCode } from './errors.js';
import type { RuntimeCallEventType } from './call-event-types.js';
import type { CallInfo, LegRef } from './leg-ref.js';

/** Inbound only, first event: the INVITE that created the call (the runtime has sent 100 Trying). */
export interface SipInviteEvent {
  type: 'sip.invite';
  call: CallInfo;
}
/** The media session is live: inbound after the first progress with SDP or the answer; outbound on the 2xx. (DSM sessionStart) */
export interface CallStartedEvent {
  type: 'call.started';
}
/** The dialog is established: inbound when the ACK for our 200 arrives; outbound on the 2xx (after call.started). */
export interface CallAnsweredEvent {
  type: 'call.answered';
}
/** Outbound only: a provisional answer (180/183) from the far end. */
export interface CallRingingEvent {
  type: 'call.ringing';
  code: number;
  /**
   * True when it carried SDP (early media, usually a 183): the answer is applied to the leg's stream, so the far
   * end's announcements/ringback can be heard (e.g. `join` a room) and what the flow plays reaches it before the 2xx.
   */
  early?: boolean;
}
/** Outbound only: the far end refused or never answered (final non-2xx, 408 on timeout). The flow should end. */
export interface CallFailedEvent {
  type: 'call.failed';
  code: number;
  reason: string;
}
/** The far end accepted our hold re-INVITE (`hold()`). */
export interface CallHeldEvent {
  type: 'call.held';
}
/** The far end accepted our resume re-INVITE (`resume()`). */
export interface CallResumedEvent {
  type: 'call.resumed';
}
/** A key press, reported once whichever way it came. */
export interface DtmfKeyEvent {
  type: 'dtmf';
  key: DtmfKey;
  source: DtmfSource;
}
/**
 * bye / cancel / timeout: the peer ended the call (BYE, CANCEL before answer, no ACK or no RTP) — the dialog is
 * already over. owner: the flow that dialled this leg hung it up or ended; the runtime ends the dialog (CANCEL or
 * BYE) right after this event, and commands the flow issues while handling it are ignored.
 */
export type HangupReason = 'bye' | 'cancel' | 'timeout' | 'owner';
/** The call is over for this flow (see HangupReason). Every non-final state should take it (the review checks). */
export interface SipHangupEvent {
  type: 'sip.hangup';
  reason: HangupReason;
}
/** The playlist ran out (not after flush). */
export interface PlaylistEndedEvent {
  type: 'playlist.ended';
}
/** A prompt was loaded and queued (play succeeded). Handy to wait for before doing anything irreversible. */
export interface PromptQueuedEvent {
  type: 'prompt.queued';
  prompt: string;
}
/**
 * An effect failed: a prompt that cannot be played, an SDP we cannot answer, a leg that cannot be placed.
 * DSM's exception transitions: `on: { error: [{ guard: ({ event }) => event.code === 'PROMPT_UNREADABLE', ... }] }`.
 * Left unhandled, the runtime ends the call (500 before answer, BYE after).
 */
export interface FlowErrorEvent {
  type: 'error';
  code: FlowErrorCode;
  message: string;
  /** The command that failed ('play', 'answer', 'dial', ...). */
  effect: string;
}
/** A leg this flow dialled is ringing (180/183 from the far end): the moment to ring back the caller. */
export interface LegRingingEvent {
  type: 'leg.ringing';
  leg: LegRef<never>;
  code: number;
  /** True when the provisional carried SDP: the leg has early media (see `CallRingingEvent.early`). */
  early?: boolean;
}
/** A leg this flow dialled answered (2xx). */
export interface LegAnsweredEvent {
  type: 'leg.answered';
  leg: LegRef<never>;
}
/** A leg this flow dialled was refused (busy, 404, no answer, digest failure) or could not be placed. */
export interface LegFailedEvent {
  type: 'leg.failed';
  leg: LegRef<never>;
  code: number;
  reason: string;
}
/** A leg this flow dialled has ended, for whatever reason (after leg.failed too). Its dialog and media are closed. */
export interface LegEndedEvent {
  type: 'leg.ended';
  leg: LegRef<never>;
  reason: string;
  /** Whether it had been answered (false after leg.failed, or when it was cancelled while ringing). */
  answered?: boolean;
}

export type CallEvent =
  | SipInviteEvent
  | CallStartedEvent
  | CallAnsweredEvent
  | CallRingingEvent
  | CallFailedEvent
  | CallHeldEvent
  | CallResumedEvent
  | DtmfKeyEvent
  | SipHangupEvent
  | PlaylistEndedEvent
  | PromptQueuedEvent
  | FlowErrorEvent
  | LegRingingEvent
  | LegAnsweredEvent
  | LegFailedEvent
  | LegEndedEvent;

export type CallEventType = CallEvent['type'];

// Compile-time: call-event-types.ts lists exactly the members of CallEvent (it cannot import this file: leg-ref.ts
// needs the list and this file needs leg-ref.ts).
type MissingFromList = Exclude<CallEventType, RuntimeCallEventType>;
type NotACallEvent = Exclude<RuntimeCallEventType, CallEventType>;
const _everyCallEventListed: [MissingFromList | NotACallEvent] extends [never] ? true : MissingFromList | NotACallEvent = true;
void _everyCallEventListed;
