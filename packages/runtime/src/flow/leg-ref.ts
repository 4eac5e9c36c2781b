/**
 * A handle to one call leg (one flow actor bound to one SIP dialog). Plain data: safe to keep in context, to pass
 * in another flow's input and in events. It is typed by the events the leg's flow ACCEPTS, so a message to a leg
 * that its flow does not handle is a compile error.
 */
import type { AnyStateMachine, EventObject, InputFrom, EventFromLogic } from 'xstate';
import type { SipCredentials, SipTransportName } from '../sip/sip-types.js';
import type { RuntimeCallEventType } from './call-event-types.js';

/**
 * The events of a flow that other legs may send it: its event union without the runtime's call events (a leg
 * message can never impersonate `sip.hangup`, `dtmf`, `leg.ended`...).
 */
export type LegMessageOf<TEvents extends EventObject> = TEvents extends { type: RuntimeCallEventType } ? never : TEvents;

export interface LegRef<TAccepts extends EventObject = EventObject> {
  /** The leg's call id (same id as in the registry and the logs). */
  readonly id: string;
  /** The flow the leg runs (the machine's id). */
  readonly flow: string;
  /** Phantom, never set: makes LegRef contravariant in the messages it accepts (never the runtime's call events). */
  readonly __accepts?: (event: LegMessageOf<TAccepts>) => void;
}

/** What the runtime needs to place an outbound leg. */
export interface DialTarget {
  /** Request-URI and To, e.g. 'sip:john@127.0.0.1:5080'. */
  to: string;
  /** From user (and optional host/display name). Default: user 'sipflow', host the server's SIP address. */
  from?: { user: string; host?: string; displayName?: string };
  /** Extra headers, added verbatim. Default none. */
  headers?: Record<string, string>;
  /** Digest credentials used when the far end challenges (401/407). Default none. */
  credentials?: SipCredentials;
}

/** Input a flow gets from the runtime on top of its own. */
export interface FlowInput<TConfig = unknown, TEvents extends EventObject = EventObject> {
  /** The call this flow runs (who, to whom, R-URI). */
  call: CallInfo;
  /** This leg, typed by this flow's own events: pass it to another leg so it can message back. */
  self: LegRef<TEvents>;
  /** The app's validated configuration. */
  config: TConfig;
}

/** Identity of a call as recorded by the registry. */
export interface CallInfo {
  id: string;
  direction: 'inbound' | 'outbound';
  /** From / To header values. */
  from: string;
  to: string;
  requestUri: string;
  /** User part of the R-URI ('35'); '' when none. */
  user: string;
  /** How the signalling travels: 'ws'/'wss' for a browser (SIP over WebSocket, its audio WebRTC). */
  transport: SipTransportName;
  /** Id of the leg that dialled this one, for outbound legs. */
  parentId?: string;
}

/** The flow's own input, without what the runtime adds. */
export type OwnInput<TFlow extends AnyStateMachine> = Omit<InputFrom<TFlow>, keyof FlowInput>;

/** A leg created by `leg()` and not dialled yet (or dialled: the ref stays the same). */
export interface DialLeg<TAccepts extends EventObject = EventObject> extends LegRef<TAccepts> {
  readonly dial: DialTarget & { logic: AnyStateMachine; input: Record<string, unknown> };
}

let seq = 0;
/** Unique ids for legs, also used as SIP-layer-independent call ids. */
export function newLegId(prefix = 'leg'): string {
  seq = (seq + 1) % 0x7fffffff;
  return `${prefix}-${Date.now().toString(36)}-${seq.toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Describe a leg to dial with `flow` (pure: use it inside `assign`, then run `dial(...)` to place the call).
 * The input is typed by the callee flow's own input.
 *
 * @example
 * assign({ legs: ({ context }) => context.rows.map((row) =>
 *   leg(calleeFlow, { to: `sip:${row.callee}@${context.config.outbound_domain}`, from: { user: 'quizconnect' },
 *     input: { pin: row.pin, caller: context.self } })) }),
 */
export function leg<TFlow extends AnyStateMachine>(flow: TFlow, target: DialTarget & { input: OwnInput<TFlow> }): DialLeg<EventFromLogic<TFlow>> {
  const { input, ...rest } = target;
  return {
    id: newLegId('out'),
    flow: flow.id,
    dial: { ...rest, logic: flow, input: input as Record<string, unknown> },
  };
}

/** Same leg? (Compare by id: refs are plain data and may be copies.) */
export function sameLeg(a: LegRef<never> | LegRef | undefined, b: LegRef<never> | LegRef | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}
