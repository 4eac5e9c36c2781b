/**
 * The building blocks: XState actions that ask the flow's call for something. Use them inline in a machine built
 * with `setup()` (or name them in `setup({ actions })`). Each becomes a `FlowCommand` on the leg's `CallPort`;
 * failures come back as events (`error`, `leg.failed`), never as exceptions in the flow.
 *
 * @example
 * RUN_INVITE: { entry: [progress(), play('welcome_caller.wav')], on: { error: { target: 'END', actions: reply(500) } } }
 */
import type { ActionArgs, ActionFunction, EventObject, MachineContext, ParameterizedObject } from 'xstate';
import type { DtmfSendOptions, PlayOptions } from '../media/media-types.js';
import type { FlowCommand } from './commands.js';
import type { DialLeg, LegMessageOf, LegRef } from './leg-ref.js';
import { portOf } from './port-binding.js';

type Params = ParameterizedObject['params'] | undefined;

/** A value, or a function of the action's arguments computing it. */
export type Expr<TContext extends MachineContext, TExpressionEvent extends EventObject, TEvent extends EventObject, T> =
  T | ((args: ActionArgs<TContext, TExpressionEvent, TEvent>) => T);

type FlowAction<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
> = ActionFunction<TContext, TExpressionEvent, TEvent, TParams, never, never, never, never, never>;

function resolve<TContext extends MachineContext, TExpressionEvent extends EventObject, TEvent extends EventObject, T>(
  expr: Expr<TContext, TExpressionEvent, TEvent, T>,
  args: ActionArgs<TContext, TExpressionEvent, TEvent>,
): T {
  return typeof expr === 'function' ? (expr as (a: typeof args) => T)(args) : expr;
}

function command<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  name: string,
  make: (args: ActionArgs<TContext, TExpressionEvent, TEvent>) => FlowCommand | FlowCommand[] | undefined,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  const action = (args: ActionArgs<TContext, TExpressionEvent, TEvent>): void => {
    const cmds = make(args);
    if (!cmds) return;
    const port = portOf(args.self);
    for (const cmd of Array.isArray(cmds) ? cmds : [cmds]) port.execute(cmd);
  };
  // A readable name for inspection and the review tool.
  Object.defineProperty(action, 'name', { value: `sipflow.${name}` });
  return action as FlowAction<TContext, TExpressionEvent, TParams, TEvent>;
}

/** Final non-2xx answer to the inbound INVITE (DSM `dlg.reply(404, Not Found)`). */
export function reply<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  code: Expr<TContext, TExpressionEvent, TEvent, number>,
  reason?: string,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('reply', (args) => ({ type: 'reply', code: resolve(code, args), ...(reason ? { reason } : {}) }));
}

/** 183 Session Progress with our SDP answer: early media (DSM `dlg.acceptInvite(183)`). `progress(180)` rings, no SDP. */
export function progress<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  code: 180 | 183 = 183,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('progress', () => ({ type: 'progress', code, earlyMedia: code === 183 }));
}

/** 200 OK with our SDP answer (DSM `dlg.acceptInvite(200)`). */
export function answer<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
>(): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('answer', () => ({ type: 'answer' }));
}

declare const promptBrand: unique symbol;
/**
 * Type-only mark on a `play()` action: the prompt name it was written with, so that sipflow's `setup({ prompts })`
 * checks it against the app's prompts at the line of the `play()` (see flow-setup.ts). Not present at run time.
 */
export interface PromptAction<P extends string> {
  readonly [promptBrand]: P;
}

/**
 * Queue a prompt: a file name in the app's prompt dir, or an absolute path. A missing or unreadable file → `error`
 * PROMPT_UNREADABLE, which the flow gets before any event from the network, a timer or an effect (as DSM's playFile
 * throws at once); else `prompt.queued`. Prompts play in the order of the `play()`s.
 * In a flow made with `setup({ prompts })`, a literal name must be one of those prompts (a compile error otherwise);
 * a name computed from the context (`play(({ context }) => ...)`) is not checked.
 */
export function play<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
  const P extends string = string,
>(
  prompt: Expr<TContext, TExpressionEvent, TEvent, P>,
  options?: PlayOptions,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> & PromptAction<P> {
  return command('play', (args) => ({ type: 'play', prompt: resolve(prompt, args), ...(options ? { options } : {}) })) as FlowAction<
    TContext,
    TExpressionEvent,
    TParams,
    TEvent
  > &
    PromptAction<P>;
}

/** Empty the playlist at once (barge-in; DSM `closePlaylist(false)`). */
export function flush<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
>(): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('flush', () => ({ type: 'flush' }));
}

/** Join a conference room by name (leaves any other). Members hear each other, not themselves. */
export function join<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  room: Expr<TContext, TExpressionEvent, TEvent, string>,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('join', (args) => ({ type: 'join', room: resolve(room, args) }));
}

export function leave<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
>(): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('leave', () => ({ type: 'leave' }));
}

/**
 * End this leg as its SIP state requires: before answer a final reply (`code`, default 480), after answer BYE,
 * outbound before answer CANCEL (DSM `stop(true)`). The flow goes on until it reaches a final state; reaching
 * one hangs up too, so `hangup` is only needed to choose the code or to hang up and stay.
 */
export function hangup<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  code?: Expr<TContext, TExpressionEvent, TEvent, number | undefined>,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('hangup', (args) => {
    const c = code === undefined ? undefined : resolve(code, args);
    return c === undefined ? { type: 'hangup' } : { type: 'hangup', code: c };
  });
}

/**
 * Place the legs described by `leg()` (DSM `dlg.dialout`). This flow owns them: they end when it ends.
 * Their fate comes back as `leg.answered`, `leg.failed`, `leg.ended`.
 */
export function dial<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  legs: Expr<TContext, TExpressionEvent, TEvent, DialLeg<never> | readonly DialLeg<never>[] | undefined>,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('dial', (args) => toArray(resolve(legs, args)).map((l) => ({ type: 'dial', leg: l })));
}

/** End legs this flow owns: CANCEL if unanswered, BYE if answered. Unknown or ended legs are ignored. */
export function hangupLeg<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  legs: Expr<TContext, TExpressionEvent, TEvent, LegRef<never> | readonly LegRef<never>[] | undefined>,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('hangupLeg', (args) => toArray(resolve(legs, args)).map((l) => ({ type: 'hangupLeg', leg: l })));
}

/**
 * Put the established call on hold: a re-INVITE offering `a=sendonly` (what the flow plays still goes out, nothing
 * comes in). `call.held` when the far end accepted; an `error` (EFFECT_FAILED, effect 'hold') when it refused.
 */
export function hold<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
>(): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('hold', () => ({ type: 'hold' }));
}

/** Take the call off hold: a re-INVITE offering `a=sendrecv`. `call.resumed`, or an `error` (effect 'resume'). */
export function resume<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
>(): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('resume', () => ({ type: 'resume' }));
}

/** Send an INFO in the established call's dialog. A refusal or timeout comes back as an `error` (effect 'sendInfo'). */
export function sendInfo<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  contentType: string,
  body: Expr<TContext, TExpressionEvent, TEvent, string>,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('sendInfo', (args) => ({ type: 'sendInfo', contentType, body: resolve(body, args) }));
}

/**
 * Send DTMF keys ('0'-'9', '*', '#', 'A'-'D') to the far end in the media, e.g. to drive a remote IVR (DSM
 * `sendDTMF`): RFC 4733 telephone-events when the SDP agreed on them, else in-band tones; queued after keys sent
 * before; `durationMs` per key (default 100) and `gapMs` between keys (default 60). Before the media is up (no
 * 183/200 yet) → `error` INVALID_STATE; a bad key → `error` (effect 'sendDtmf') naming it, nothing sent.
 *
 * @example
 * 'leg.answered': { actions: sendDtmf(({ context }) => `${context.pin}#`) }
 */
export function sendDtmf<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  keys: Expr<TContext, TExpressionEvent, TEvent, string>,
  options?: DtmfSendOptions,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('sendDtmf', (args) => ({ type: 'sendDtmf', keys: resolve(keys, args), ...(options ? { options } : {}) }));
}

/**
 * Send a message event to one or more legs (DSM `postEvent`). Typed by the RECEIVING flow's messages: the leg ref
 * carries them, so a misspelt event type or a wrong payload does not compile, and a runtime call event
 * (`sip.hangup`, `leg.ended`...) cannot be sent at all (the runtime refuses one too). Delivery is asynchronous; a leg that
 * has ended drops it.
 *
 * @example
 * sendToLeg(({ context }) => context.caller, ({ context }) => ({ type: 'callee.matched', leg: context.self }))
 */
export function sendToLeg<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TParams extends Params,
  TEvent extends EventObject,
  TAccepts extends EventObject,
>(
  to: Expr<TContext, TExpressionEvent, TEvent, LegRef<TAccepts> | readonly LegRef<TAccepts>[] | undefined>,
  event: NoInfer<Expr<TContext, TExpressionEvent, TEvent, LegMessageOf<TAccepts>>>,
): FlowAction<TContext, TExpressionEvent, TParams, TEvent> {
  return command('send', (args) => {
    const targets = toArray(resolve(to, args));
    if (!targets.length) return undefined;
    const ev = resolve(event, args) as EventObject;
    return targets.map((t) => ({ type: 'send', to: t as LegRef<never>, event: ev }));
  });
}

function toArray<T>(v: T | readonly T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}
