/**
 * quizconnect's flows driven with no network for the 'flow' bench: through `testFlow` (the same XState actor, port
 * binding and state-graph recorder a live leg has; the port only records commands instead of sending SIP/RTP).
 */
import pino from 'pino';
import { createActor, type Actor } from 'xstate';
import type { CalleeRow } from '../../../packages/lookup/src/index.js';
import { bindPort, bindServices } from '../../../packages/runtime/src/flow/port-binding.js';
import { testFlow, type FlowTest } from '../../../packages/runtime/src/flow/testing.js';
import type { LegRef } from '../../../packages/runtime/src/flow/index.js';
import { calleeFlow } from '../../../apps/quizconnect/src/callee.js';
import { callerFlow } from '../../../apps/quizconnect/src/caller.js';
import { configSchema, type QuizConfig } from '../../../apps/quizconnect/src/config.js';
import type { CalleeEvents, CallerEvents } from '../../../apps/quizconnect/src/messages.js';
import type { QuizResources } from '../../../apps/quizconnect/src/resources.js';

const config: QuizConfig = configSchema.parse({});
const ROWS: CalleeRow[] = [
  { id: 1, callee: 'john', pin: '12345' },
  { id: 2, callee: 'anna', pin: '54321' },
];
const resources: QuizResources = {
  lookup: undefined as never,
  calleesFor: async () => ROWS,
  close: async () => {},
};

export type CalleeTest = FlowTest<typeof calleeFlow>;
export type CallerTest = FlowTest<typeof callerFlow>;

export function startCallee(i: number, caller: LegRef<CallerEvents>, pin = '12345'): CalleeTest {
  return testFlow(calleeFlow, {
    input: { pin, caller },
    config,
    call: { id: `callee-${i}`, direction: 'outbound', user: 'john', requestUri: 'sip:john@127.0.0.1:5080' },
  });
}

/** A caller in WAIT_CALLEE: INVITE taken, lookup done (2 rows), 183 + prompt queued, two callee legs dialled. */
export async function startCaller(i: number): Promise<CallerTest> {
  const t = testFlow(callerFlow, {
    input: {},
    config,
    resources,
    call: { id: `caller-${i}` },
    respond: (cmd) => (cmd.type === 'play' ? { type: 'prompt.queued', prompt: cmd.prompt } : undefined),
  });
  await t.waitForState('WAIT_CALLEE');
  return t;
}

const silent = pino({ level: 'silent' });

/**
 * The same callee flow as a bare XState actor: a port that drops commands, no inspection (no state-graph recorder,
 * no command log). The difference to `startCallee` is what sipflow's recording adds per event.
 */
export function startBareCallee(i: number, caller: LegRef<CallerEvents>, pin = '12345'): Actor<typeof calleeFlow> {
  const call = {
    id: `callee-${i}`,
    direction: 'outbound' as const,
    from: '<sip:quizconnect@127.0.0.1>',
    to: '<sip:john@127.0.0.1:5080>',
    requestUri: 'sip:john@127.0.0.1:5080',
    user: 'john',
    transport: 'udp' as const,
  };
  const actor = createActor(calleeFlow, { input: { pin, caller, call, self: { id: call.id, flow: calleeFlow.id }, config } });
  bindPort(actor, { execute: () => {} });
  bindServices(actor.system, { app: 'bench', log: silent, config, resources: undefined });
  actor.start();
  return actor;
}

const dtmf = (key: string) => ({ type: 'dtmf', key, source: 'info' }) as Extract<CalleeEvents, { type: 'dtmf' }>;

/**
 * A callee's whole life after answer: call.started, a wrong PIN ended by # (sorry prompt), the right PIN (match),
 * caller.connect (joins the room), BYE. Returns the number of events sent.
 */
export const CALLEE_EVENTS: CalleeEvents[] = [
  { type: 'call.started' },
  dtmf('9'),
  dtmf('9'),
  dtmf('#'),
  ...[...'12345'].map(dtmf),
  { type: 'caller.connect', room: 'room-1' },
  { type: 'sip.hangup', reason: 'bye' },
];

/** A caller's life from WAIT_CALLEE: both legs ring, john answers and matches, anna is ended, the caller hangs up. */
export function callerEvents(t: CallerTest): CallerEvents[] {
  const [john, anna] = t.dialled;
  if (!john || !anna) throw new Error('caller did not dial two legs');
  const j = { id: john.id, flow: john.flow } as LegRef<never>;
  const a = { id: anna.id, flow: anna.flow } as LegRef<never>;
  return [
    { type: 'leg.ringing', leg: j, code: 180 },
    { type: 'leg.ringing', leg: a, code: 180 },
    { type: 'leg.answered', leg: j },
    { type: 'callee.matched', leg: j as LegRef<CalleeEvents> },
    { type: 'leg.ended', leg: a, reason: 'cancelled' },
    { type: 'sip.hangup', reason: 'bye' },
  ];
}
