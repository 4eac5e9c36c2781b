/**
 * What a flow asks of its call: a typed command union. The building blocks in `actions.ts` turn into these;
 * the runtime's leg controller executes them against SIP and media, the test harness records them.
 */
import type { EventObject } from 'xstate';
import type { DtmfSendOptions, PlayOptions } from '../media/media-types.js';
import type { DialLeg, LegRef } from './leg-ref.js';

export type FlowCommand =
  /** Final non-2xx answer to an inbound INVITE (before answer). */
  | { type: 'reply'; code: number; reason?: string }
  /** 180/183; with earlyMedia the 183 carries our SDP answer and prompts start flowing. */
  | { type: 'progress'; code: 180 | 183; earlyMedia: boolean }
  /** 200 OK with our SDP answer. */
  | { type: 'answer' }
  /** Queue a prompt (a file name resolved against the app's prompt dir, or an absolute path). */
  | { type: 'play'; prompt: string; options?: PlayOptions }
  /** Empty the playlist at once (barge-in). */
  | { type: 'flush' }
  | { type: 'join'; room: string }
  | { type: 'leave' }
  /** End this leg the way its state requires (reply code before answer, default 480; BYE after; CANCEL outbound). */
  | { type: 'hangup'; code?: number }
  /** Place an outbound leg running another flow; this leg owns it. */
  | { type: 'dial'; leg: DialLeg<never> }
  /** End a leg this flow owns (CANCEL if unanswered, BYE if answered). */
  | { type: 'hangupLeg'; leg: LegRef<never> }
  /** Deliver a message event to another leg. */
  | { type: 'send'; to: LegRef<never>; event: EventObject }
  /** re-INVITE offering a=sendonly (hold) / a=sendrecv (resume) on an established call. */
  | { type: 'hold' }
  | { type: 'resume' }
  /** An INFO in the dialog (e.g. application/dtmf-relay). */
  | { type: 'sendInfo'; contentType: string; body: string }
  /** DTMF to the far end in the media (RFC 4733 if negotiated, else in-band tones), queued after earlier keys. */
  | { type: 'sendDtmf'; keys: string; options?: DtmfSendOptions };

export type FlowCommandType = FlowCommand['type'];

/**
 * The per-leg controller a flow's actions talk to. Implemented by the runtime (real SIP and media) and by
 * `FakeCallPort` in tests. `execute` never throws for an effect that fails later: failures come back to the flow
 * as an `error` event (or `leg.failed`).
 */
export interface CallPort {
  execute(command: FlowCommand): void;
}
