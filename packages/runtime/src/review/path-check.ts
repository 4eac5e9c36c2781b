/**
 * Model-based path checks: play a flow through `testFlow()` (the runtime's fakes) along every path of call events
 * the wire can deliver, up to a bound, and fail a path that leaves the call half-open.
 *
 * At each step the events offered are those the fake call could deliver right now, derived from what the flow
 * asked for so far: a hangup or CANCEL in every state; `call.started`/`call.answered` once media or the answer is
 * up; key presses; `prompt.queued`/`playlist.ended` while a prompt plays; every command failing with each of its
 * error codes; every dialled leg ringing, answering, failing or ending; every invoked effect resolving (with the
 * app's sample outputs) or failing with each code it declares (`effect(run, { errors })`); every `after` delay
 * firing; the leg messages the app says other legs send. Paths are explored breadth first (so the path printed for
 * a failure is a shortest one), states already seen with the same call situation are not explored twice.
 *
 * A path fails when:
 * - the peer ended the call (BYE, CANCEL, a failed dial) and the flow did not end: its legs stay up, its prompt plays;
 * - nothing more can happen (no timer, no effect, no leg, no prompt) and the inbound INVITE has no final answer;
 * - an event the flow handles elsewhere is dropped where it matters: a hangup, a live leg failing or ending, a leg
 *   message the app sends.
 * The runtime ends owned legs and answers an unanswered INVITE when a flow reaches a final state, so a final state
 * reached without an explicit `hangup()` is not a failure.
 *
 * Not built on `xstate/graph`: its traversal calls the machine's pure `transition()`, but which events can come next
 * depends on the commands the flow issued (dials, plays, answers), which only the runtime's fakes execute; see
 * docs/operations.md, rule failing-path.
 */
import { fromPromise, type AnyActorLogic, type AnyStateMachine, type EventObject } from 'xstate';
import { testFlow, type FlowTest } from '../flow/testing.js';
import type { FlowCommand } from '../flow/commands.js';
import type { FlowErrorCode } from '../flow/errors.js';
import type { CallInfo, LegRef } from '../flow/leg-ref.js';
import type { CallEvent } from '../flow/events.js';
import type { DtmfKey } from '../media/media-types.js';

/** How to run one flow for the path checks (exported by the app from `src/review-paths.ts`, all optional). */
export interface PathFixture {
  /** The flow's own input (without call/self/config). Default {}. */
  input?: Record<string, unknown>;
  /** The app config. Default: the app's config schema with every default. */
  config?: unknown;
  /** Call identity overrides; `{ direction: 'outbound' }` for a flow that only runs on dialled legs. */
  call?: Partial<CallInfo>;
  /** Outputs an invoked effect may resolve with, by its `src`. Default: one path with `undefined`. */
  outputs?: Record<string, readonly unknown[]>;
  /** Keys to press (each one a branch). Default '1#'. */
  keys?: string;
  /** Messages other legs may send this flow now, given its state and its legs not ended yet (a message can name one). */
  messages?: (state: string, legs: ReadonlyArray<LegRef<never>>) => EventObject[];
  /** Longest path, in events. Default 10. */
  depth?: number;
}

/** Path fixtures of an app, by flow name. */
export type PathFixtures = Record<string, PathFixture>;

export interface PathFailure {
  flow: string;
  /** What went wrong. */
  message: string;
  /** The events of the path, in order (leg refs as `t.dialled[i]`). */
  events: EventObject[];
  /** The path as a testFlow() script that reproduces it. */
  script: string;
}

export interface PathCheckResult {
  flow: string;
  /** Paths played (distinct event sequences, up to the bound). */
  paths: number;
  /** Event types injected somewhere. */
  injected: string[];
  depth: number;
  failures: PathFailure[];
}

/** Errors a command can come back with (the review injects each one after the command). */
const COMMAND_ERRORS: Partial<Record<FlowCommand['type'], FlowErrorCode[]>> = {
  play: ['PROMPT_UNREADABLE'],
  progress: ['NO_COMMON_CODEC'],
  answer: ['NO_COMMON_CODEC'],
  dial: ['DIALOUT_FAILED'],
  join: ['INVALID_STATE'],
  sendDtmf: ['BAD_DTMF_KEY', 'INVALID_STATE'],
  hold: ['EFFECT_FAILED'],
  resume: ['EFFECT_FAILED'],
  sendInfo: ['EFFECT_FAILED'],
};

const MAX_NODES = 4000;

type LegStatus = 'dialled' | 'ringing' | 'answered' | 'hungup' | 'ended';

/** The fake call's situation after a path: what the flow asked for and what the wire told it. */
interface Situation {
  inbound: boolean;
  /** Inbound: a final answer went out (reply, answer, hangup) or the caller left. */
  finalAnswer: boolean;
  answered: boolean;
  mediaUp: boolean;
  started: boolean;
  ackSent: boolean;
  peerGone: boolean;
  playing: number;
  legs: Array<{ ref: LegRef<never>; status: LegStatus }>;
  /** Commands of the last step (their failures are offered next). */
  lastCommands: FlowCommand[];
}

interface Step {
  event: EventObject;
  /** Why this step matters for the rules. */
  kind: 'hangup' | 'leg-end' | 'message' | 'other';
}

function situationOf(t: FlowTest<AnyStateMachine>, events: EventObject[], stepCommands: FlowCommand[]): Situation {
  const inbound = t.call.direction === 'inbound';
  const s: Situation = {
    inbound,
    finalAnswer: false,
    answered: false,
    mediaUp: false,
    started: false,
    ackSent: false,
    peerGone: false,
    playing: 0,
    legs: [],
    lastCommands: stepCommands,
  };
  const leg = (id: string) => s.legs.find((l) => l.ref.id === id);
  for (const c of t.commands) {
    if (c.type === 'reply' || c.type === 'hangup') s.finalAnswer = true;
    if (c.type === 'answer') s.finalAnswer = s.answered = s.mediaUp = true;
    if (c.type === 'progress' && c.earlyMedia) s.mediaUp = true;
    if (c.type === 'play') s.playing++;
    if (c.type === 'flush') s.playing = 0;
    if (c.type === 'dial') s.legs.push({ ref: c.leg, status: 'dialled' });
    if (c.type === 'hangupLeg') {
      const l = leg(c.leg.id);
      if (l && l.status !== 'ended') l.status = 'hungup';
    }
  }
  for (const e of events) {
    const ev = e as EventObject & { leg?: LegRef<never> };
    if (e.type === 'sip.hangup' || e.type === 'call.failed') s.peerGone = s.finalAnswer = true;
    if (e.type === 'call.started') s.started = s.mediaUp = true;
    if (e.type === 'call.answered') s.ackSent = s.answered = true;
    if (e.type === 'playlist.ended' || (e.type === 'error' && (e as { effect?: string }).effect === 'play')) s.playing = 0;
    const l = ev.leg ? leg(ev.leg.id) : undefined;
    if (l && (e.type === 'leg.failed' || e.type === 'leg.ended')) l.status = 'ended';
    if (l && e.type === 'leg.answered' && l.status !== 'hungup') l.status = 'answered';
    if (l && e.type === 'leg.ringing' && l.status === 'dialled') l.status = 'ringing';
  }
  return s;
}

interface StateNodeLike {
  after: Array<{ eventType: string }>;
}

/** The events the fake call could deliver now. */
function offers(t: FlowTest<AnyStateMachine>, s: Situation, fixture: PathFixture, outputs: Record<string, readonly unknown[]>): Step[] {
  const out: Step[] = [];
  const add = (event: CallEvent | EventObject, kind: Step['kind'] = 'other') => out.push({ event, kind });
  if (s.inbound) add({ type: 'sip.hangup', reason: s.answered ? 'bye' : 'cancel' }, 'hangup');
  else {
    add({ type: 'sip.hangup', reason: 'owner' }, 'hangup');
    if (s.started) add({ type: 'sip.hangup', reason: 'bye' }, 'hangup');
    else {
      add({ type: 'call.failed', code: 486, reason: 'Busy Here' }, 'hangup');
      add({ type: 'call.ringing', code: 180 });
    }
  }
  if (s.inbound && s.mediaUp && !s.started) add({ type: 'call.started' });
  if (s.inbound && s.answered && !s.ackSent) add({ type: 'call.answered' });
  if (!s.inbound && !s.started) out.push({ event: { type: 'call.started' }, kind: 'other' });
  if (!s.inbound && s.started && !s.ackSent) add({ type: 'call.answered' });
  if (s.mediaUp || s.started) for (const key of fixture.keys ?? '1#') add({ type: 'dtmf', key: key as DtmfKey, source: 'rfc4733' });
  if (s.playing > 0) {
    add({ type: 'prompt.queued', prompt: 'prompt.wav' });
    add({ type: 'playlist.ended' });
  }
  for (const c of s.lastCommands) {
    for (const code of COMMAND_ERRORS[c.type] ?? []) add({ type: 'error', code, message: `${c.type} failed (review)`, effect: c.type });
  }
  for (const l of s.legs) {
    if (l.status === 'ended') continue;
    const leg = l.ref;
    if (l.status === 'dialled') add({ type: 'leg.ringing', leg, code: 180 });
    if (l.status === 'dialled' || l.status === 'ringing') {
      add({ type: 'leg.answered', leg });
      add({ type: 'leg.failed', leg, code: 486, reason: 'Busy Here' }, 'leg-end');
    }
    add({ type: 'leg.ended', leg, reason: l.status === 'hungup' ? 'owner' : 'bye' }, l.status === 'hungup' ? 'other' : 'leg-end');
  }
  const snap = t.snapshot as unknown as {
    children: Record<string, { src?: unknown; logic?: { errors?: readonly string[] } } | undefined>;
    _nodes: StateNodeLike[];
  };
  for (const [id, child] of Object.entries(snap.children ?? {})) {
    if (!child) continue;
    const src = typeof child.src === 'string' ? child.src : id;
    for (const output of outputs[src] ?? [undefined]) add({ type: `xstate.done.actor.${id}`, output } as EventObject);
    const errors = [...(child.logic?.errors ?? []), 'EFFECT_FAILED'];
    for (const code of errors)
      add({ type: `xstate.error.actor.${id}`, error: Object.assign(new Error(`${src} failed (review)`), { code }) } as EventObject);
  }
  for (const node of snap._nodes ?? []) for (const a of node.after ?? []) add({ type: a.eventType });
  const legs = s.legs.filter((l) => l.status !== 'ended').map((l) => l.ref);
  for (const m of fixture.messages?.(t.state, legs) ?? []) add(m, 'message');
  return out;
}

/** A JSON-ish key of the situation (leg ids replaced by their index, so equal situations meet). */
function situationKey(t: FlowTest<AnyStateMachine>, s: Situation): string {
  const ids = new Map(s.legs.map((l, i) => [l.ref.id, `leg${i}`] as const));
  const replacer = (_k: string, v: unknown) => (typeof v === 'string' && ids.has(v) ? ids.get(v) : typeof v === 'function' ? undefined : v);
  const snap = t.snapshot as { value: unknown; context: unknown };
  const { lastCommands, ...rest } = s;
  return JSON.stringify([snap.value, snap.context, rest, lastCommands.map((c) => c.type)], replacer);
}

/** Every effect the flow invokes, replaced by one that never settles: the paths resolve or fail it with events. */
function pendingActors(flow: AnyStateMachine): Record<string, AnyActorLogic> {
  const actors = (flow.implementations as { actors?: Record<string, unknown> }).actors ?? {};
  return Object.fromEntries(Object.keys(actors).map((src) => [src, fromPromise(() => new Promise<never>(() => {}))]));
}

function play(
  flow: AnyStateMachine,
  fixture: PathFixture,
  config: unknown,
  events: EventObject[],
): { t: FlowTest<AnyStateMachine>; stepCommands: FlowCommand[]; error?: unknown } {
  const actors = pendingActors(flow);
  const t = testFlow(flow, {
    input: (fixture.input ?? {}) as never,
    config: config as never,
    ...(fixture.call ? { call: fixture.call } : {}),
    ...(Object.keys(actors).length ? { actors } : {}),
  });
  let before = t.commands.length;
  try {
    for (const e of events) {
      before = t.commands.length;
      t.send(e as never);
    }
  } catch (error) {
    return { t, stepCommands: t.commands.slice(before), error };
  }
  return { t, stepCommands: events.length ? t.commands.slice(before) : t.commands.slice(), error: (t.snapshot as { error?: unknown }).error };
}

/** Replace leg refs in events by `t.dialled[i]` for the script. */
function scriptOf(flowName: string, flow: AnyStateMachine, fixture: PathFixture, events: EventObject[], legs: ReadonlyArray<LegRef<never>>): string {
  const ids = new Map(legs.map((l, i) => [l.id, i] as const));
  const srcs = Object.keys(pendingActors(flow));
  const actors = srcs.length ? `, actors: { ${srcs.map((s) => `${s}: fromPromise(() => new Promise(() => {}))`).join(', ')} }` : '';
  const lines = [
    `const t = testFlow(${flowName}, { input: ${JSON.stringify(fixture.input ?? {})}, config${fixture.call ? `, call: ${JSON.stringify(fixture.call)}` : ''}${actors} });`,
  ];
  for (const e of events) {
    let text = JSON.stringify(e, (_k, v) => {
      if (v && typeof v === 'object' && 'id' in v && ids.has((v as { id: string }).id)) return `@@t.dialled[${ids.get((v as { id: string }).id)}]@@`;
      if (v instanceof Error)
        return `@@Object.assign(new Error(${JSON.stringify(v.message)}), { code: ${JSON.stringify((v as { code?: string }).code)} })@@`;
      return v;
    });
    text = text.replace(/"@@(.*?)@@"/g, (_m, inner: string) => inner.replace(/\\"/g, '"'));
    lines.push(`t.send(${text});`);
  }
  return lines.join('\n');
}

/**
 * Check every path of one flow up to the bound.
 *
 * @example
 * const result = checkFlowPaths('ivr', ivr, { config: { code: '12' } });
 * for (const f of result.failures) console.error(f.message + '\n' + f.script);
 */
export function checkFlowPaths(flowName: string, flow: AnyStateMachine, fixture: PathFixture = {}, defaultConfig?: unknown): PathCheckResult {
  const config = fixture.config ?? defaultConfig;
  const depth = fixture.depth ?? 10;
  const outputs = fixture.outputs ?? {};
  const seen = new Set<string>();
  const injected = new Set<string>();
  const failures: PathFailure[] = [];
  const failedMessages = new Set<string>();
  let paths = 0;
  let queue: EventObject[][] = [[]];

  const fail = (message: string, events: EventObject[], t: FlowTest<AnyStateMachine>) => {
    const key = message.replace(/leg\d+|out-[\w-]+/g, 'leg');
    if (failedMessages.has(key)) return;
    failedMessages.add(key);
    failures.push({ flow: flowName, message, events, script: scriptOf(flowName, flow, fixture, events, t.dialled) });
  };

  try {
    play(flow, fixture, config, []).t.stop();
  } catch (error) {
    // The flow cannot even start (e.g. its context reads a config the review could not build): one failure, no paths.
    const message = `the flow threw when it started: ${error instanceof Error ? error.message : String(error)} (give it a config in src/review-paths.ts)`;
    failures.push({ flow: flowName, message, events: [], script: scriptOf(flowName, flow, fixture, [], []) });
    return { flow: flowName, paths: 0, injected: [], depth, failures };
  }

  for (let level = 0; level <= depth && queue.length && seen.size < MAX_NODES; level++) {
    const next: EventObject[][] = [];
    for (const events of queue) {
      const { t, stepCommands, error } = play(flow, fixture, config, events);
      paths++;
      try {
        if (error) {
          fail(`the flow threw: ${error instanceof Error ? error.message : String(error)}`, events, t);
          continue;
        }
        const s = situationOf(t, events, stepCommands);
        if (t.done) {
          const end = t.state;
          const up = s.legs.filter((l) => l.status !== 'ended' && l.status !== 'hungup').length;
          if (up) fail(`the flow ended in '${end}' with ${up} leg(s) it dialled still up (no hangupLeg, no leg.ended)`, events, t);
          if (s.inbound && !s.finalAnswer) fail(`the flow ended in '${end}' leaving the INVITE without a final answer`, events, t);
          const hungUp = s.peerGone || t.commands.some((c) => c.type === 'hangup' || c.type === 'reply');
          if (s.playing && !hungUp) fail(`the flow ended in '${end}' with a prompt still playing on a call it did not hang up`, events, t);
          continue;
        }
        const state = t.state;
        if (s.peerGone) {
          const live = s.legs.filter((l) => l.status !== 'ended' && l.status !== 'hungup').length;
          const what = [live ? `${live} leg(s) still up` : '', s.playing ? 'a prompt still playing' : ''].filter(Boolean).join(', ');
          fail(`the call ended (${events.at(-1)!.type}) but the flow did not: it waits in '${state}'${what ? ` with ${what}` : ''}`, events, t);
          continue;
        }
        const key = situationKey(t, s);
        if (seen.has(key)) continue;
        seen.add(key);
        const steps = offers(t, s, fixture, outputs);
        const waitsOnSomething = steps.some((st) => st.kind !== 'hangup' && !st.event.type.startsWith('dtmf'));
        if (s.inbound && !s.finalAnswer && !waitsOnSomething && !s.mediaUp)
          fail(`the INVITE is left without a final answer: nothing more can happen in '${state}'`, events, t);
        for (const step of steps) {
          if (step.kind !== 'other' && !(t.snapshot as { can(e: EventObject): boolean }).can(step.event)) {
            const what =
              step.kind === 'hangup'
                ? 'the hangup'
                : step.kind === 'leg-end'
                  ? `'${step.event.type}' of a live leg`
                  : `the leg message '${step.event.type}'`;
            if (step.kind !== 'message' || handledSomewhere(flow, step.event.type)) {
              fail(`${what} is dropped in '${state}'`, [...events, step.event], t);
              continue;
            }
          }
          injected.add(step.event.type.replace(/^(xstate\.(done|error)\.actor)\..*/, '$1').replace(/^(xstate\.after)\..*/, '$1'));
          if (level < depth) next.push([...events, step.event]);
        }
      } finally {
        t.stop();
      }
    }
    queue = next;
  }
  return { flow: flowName, paths, injected: [...injected].sort(), depth, failures };
}

/** Whether any state of the flow has a transition for the event type. */
function handledSomewhere(flow: AnyStateMachine, type: string): boolean {
  const visit = (node: { ownEvents?: string[]; states?: Record<string, unknown> }): boolean =>
    (node.ownEvents ?? []).includes(type) || Object.values(node.states ?? {}).some((c) => visit(c as typeof node));
  return visit(flow.root as unknown as { ownEvents?: string[]; states?: Record<string, unknown> });
}
