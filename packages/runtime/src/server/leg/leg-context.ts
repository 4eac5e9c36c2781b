/**
 * What a leg's parts see of it: the command handlers (leg-commands.ts) and the SIP-event handlers
 * (leg-sip-events.ts) read and move the call's session and act through these methods, never on the `Leg` itself,
 * so each part is tested with a fake context.
 */
import type { Logger } from 'pino';
import type { EventObject } from 'xstate';
import type { CallDirection, InboundCall, OutboundCall } from '../../sip/sip-types.js';
import type { MediaStreamApi } from '../../media/media-types.js';
import type { FlowCommand } from '../../flow/commands.js';
import type { CallEvent } from '../../flow/events.js';
import type { LegRef } from '../../flow/leg-ref.js';
import type { LegEnding } from './leg-outcome.js';

/** The call's SIP and media state, as far as the flow's commands and the dialog's events have moved it. */
export interface LegSession {
  sip: InboundCall | OutboundCall | undefined;
  stream: MediaStreamApi | undefined;
  /** Our SDP answer to an inbound offer (the same SDP in 183 and 200), or our offer when the INVITE had none. */
  localSdp: string | undefined;
  /** Inbound INVITE without SDP: our 200 carried the offer, the ACK brings the answer. */
  delayedOffer: boolean;
  /** Our SDP has gone out (183/200, or the ACK's answer applied): RTP flows and the flow had `call.started`. */
  mediaStarted: boolean;
  /** We answered (inbound) or the callee did (outbound). */
  answered: boolean;
  /** The final non-2xx status of the INVITE: our reply, the callee's refusal. */
  lastReply: number | undefined;
  /** The SIP dialog has ended. */
  sipEnded: boolean;
}

/** A leg's session before anything happened: no call, no stream, nothing sent or answered. */
export function newLegSession(): LegSession {
  return {
    sip: undefined,
    stream: undefined,
    localSdp: undefined,
    delayedOffer: false,
    mediaStarted: false,
    answered: false,
    lastReply: undefined,
    sipEnded: false,
  };
}

export interface LegContext {
  readonly session: LegSession;
  readonly direction: CallDirection;
  readonly ref: LegRef<never>;
  readonly log: Logger;
  /** The app's prompt folder: relative prompt names resolve against it. */
  readonly promptDir: string;
  /** The leg has ended: late results are dropped. */
  finished(): boolean;
  /** Give the flow an event now. */
  deliver(event: CallEvent | EventObject): void;
  /** Give the flow an event after the current transition (a microtask later). */
  later(event: CallEvent): void;
  /** Tell the leg that dialled this one (if any, and still running), a microtask later. */
  tellOwner(event: CallEvent): void;
  /** Our SDP has gone out: let RTP flow and tell the flow `call.started` (once). */
  startMedia(): void;
  /** End the leg (once) for this reason. */
  end(ending: LegEnding): void;
  /** The SIP dialog has ended (the leg's `sipDone` resolves). */
  markSipEnded(): void;
  /** Place the outbound leg the command describes, owned by this one. */
  dial(command: Extract<FlowCommand, { type: 'dial' }>): void;
  /** Send a message to another leg. */
  post(to: LegRef<never>, event: EventObject): void;
  /** End the leg this one owns with this id (the flow hears `sip.hangup` 'owner' there). */
  hangUpOwned(leg: LegRef<never>): void;
}
