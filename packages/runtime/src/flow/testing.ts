/**
 * Run a flow with no network: a fake CallPort records the commands the flow issues, the test feeds call events
 * in and reads the state and the state graph (the same graph monitoring shows).
 *
 * @example
 * const t = testFlow(ivr, { input: {}, config: { prompts: 'x' } });
 * t.send({ type: 'call.started' });
 * assert.deepEqual(t.take(), [{ type: 'play', prompt: 'welcome.wav' }]);
 * t.send({ type: 'dtmf', key: '1', source: 'info' });
 * assert.equal(t.state, 'DONE');
 */
import pino, { type Logger } from 'pino';
import {
  createActor,
  waitFor,
  type Actor,
  type AnyActorLogic,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type PromiseActorLogic,
  type SnapshotFrom,
  type StateMachine,
} from 'xstate';
import type { StateGraphStep } from './state-graph.js';
import type { CallPort, FlowCommand } from './commands.js';
import type { CallEvent } from './events.js';
import type { CallInfo, DialLeg, FlowInput, LegRef, OwnInput } from './leg-ref.js';
import { bindPort, bindServices } from './port-binding.js';
import type { EffectServicesMark } from './services.js';
import { StateGraphRecorder } from './state-graph.js';

type ConfigOf<TFlow extends AnyStateMachine> = InputFrom<TFlow> extends { config: infer C } ? C : unknown;
/** The actors a flow provides (`setup({ actors })`): `{ src, logic }` per actor. */
type ActorsOf<TFlow> =
  TFlow extends StateMachine<any, any, any, infer TActor, any, any, any, any, any, any, any, any, any, any, any> ? TActor : never; // eslint-disable-line @typescript-eslint/no-explicit-any
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type ResourcesOfActors<TActor> = TActor extends { logic: EffectServicesMark<infer S> } ? (S extends { resources: infer R } ? R : never) : never;
/**
 * What the flow's effects read as `services.resources` (the intersection over its `effect()`s); `unknown` when no
 * effect declares any.
 */
export type ResourcesOf<TFlow extends AnyStateMachine> = [ResourcesOfActors<ActorsOf<TFlow>>] extends [never]
  ? unknown
  : UnionToIntersection<ResourcesOfActors<ActorsOf<TFlow>>>;
/** Replacement actors by the flow's `src` names; a promise actor must resolve with the same output type. */
export type TestActors<TFlow extends AnyStateMachine> = [ActorsOf<TFlow>] extends [never]
  ? Record<string, AnyActorLogic>
  : {
      [A in ActorsOf<TFlow> as A extends { src: infer S extends string } ? S : never]?: A extends { logic: PromiseActorLogic<infer O, any> } // eslint-disable-line @typescript-eslint/no-explicit-any
        ? PromiseActorLogic<O, any> // eslint-disable-line @typescript-eslint/no-explicit-any
        : AnyActorLogic;
    };

export interface TestFlowOptions<TFlow extends AnyStateMachine> {
  /** The flow's own input (without call/self/config, which the harness adds). */
  input: OwnInput<TFlow>;
  config?: ConfigOf<TFlow>;
  /** Overrides of the call identity. Default: inbound from sip:caller@127.0.0.1 to sip:35@127.0.0.1. */
  call?: Partial<CallInfo>;
  /**
   * What the app's setup() would return (effects see it as services.resources), typed from the flow's effects
   * (`EffectArgs<Input, FlowServices<Config, Resources>>`): a wrong shape does not compile. Default undefined.
   */
  resources?: ResourcesOf<TFlow>;
  /** Actors to replace (e.g. a fake lookup effect) by their `src` in the flow, as for `machine.provide({ actors })`. */
  actors?: TestActors<TFlow>;
  /**
   * React to a command like the runtime would: return the events to feed back (e.g. an `error` for a `play` of a
   * missing prompt, `leg.answered` for a `dial`). Default: nothing comes back.
   */
  respond?: (command: FlowCommand) => CallEvent | CallEvent[] | undefined;
  /** Send `sip.invite` right after start (inbound calls). Default true for inbound. */
  invite?: boolean;
  log?: Logger;
}

export class FlowTest<TFlow extends AnyStateMachine> {
  readonly actor: Actor<TFlow>;
  /** Every command issued so far, in order. */
  readonly commands: FlowCommand[] = [];
  readonly call: CallInfo;
  readonly self: LegRef<EventFromLogic<TFlow>>;
  readonly #recorder = new StateGraphRecorder();
  #taken = 0;

  constructor(flow: TFlow, options: TestFlowOptions<TFlow>) {
    this.call = {
      id: 'test-call',
      direction: 'inbound',
      from: '<sip:caller@127.0.0.1>;tag=t1',
      to: '<sip:35@127.0.0.1>',
      requestUri: 'sip:35@127.0.0.1',
      user: '35',
      transport: 'udp',
      ...options.call,
    };
    this.self = { id: this.call.id, flow: flow.id };
    const input = { ...options.input, call: this.call, self: this.self, config: options.config } as FlowInput & InputFrom<TFlow>;
    const logic = (options.actors ? flow.provide({ actors: options.actors as never }) : flow) as TFlow;
    this.actor = createActor(logic, { input, inspect: this.#recorder.inspect }) as Actor<TFlow>;
    this.#recorder.track(this.actor);
    const respond = options.respond;
    const port: CallPort = {
      execute: (cmd) => {
        this.commands.push(cmd);
        const back = respond?.(cmd);
        if (back) for (const ev of Array.isArray(back) ? back : [back]) this.actor.send(ev as EventFromLogic<TFlow>);
      },
    };
    bindPort(this.actor, port);
    const log = options.log ?? pino({ level: 'silent' });
    bindServices(this.actor.system, { app: 'test', log, config: options.config, resources: options.resources });
    this.actor.start();
    if (options.invite ?? this.call.direction === 'inbound') {
      this.actor.send({ type: 'sip.invite', call: this.call } as EventFromLogic<TFlow>);
    }
  }

  send(event: EventFromLogic<TFlow>): this {
    this.actor.send(event);
    return this;
  }

  /** The commands issued since the last take(). */
  take(): FlowCommand[] {
    const out = this.commands.slice(this.#taken);
    this.#taken = this.commands.length;
    return out;
  }

  /** Current state as a dotted path ('WAIT_CALLEE', 'CONNECTED.talking'). */
  get state(): string {
    return this.#recorder.current;
  }

  get snapshot(): SnapshotFrom<TFlow> {
    return this.actor.getSnapshot() as SnapshotFrom<TFlow>;
  }

  /** The state graph: states entered and transitions taken, in order. */
  get graph(): readonly StateGraphStep[] {
    return this.#recorder.steps;
  }

  /** The graph as strings: 'START', '> got INVITE >', 'RUN_INVITE', ... (easy to deepEqual). */
  get path(): string[] {
    return this.#recorder.steps.map((s) => (s.kind === 'state' ? s.state : `> ${s.description} >`));
  }

  get done(): boolean {
    return (this.actor.getSnapshot() as { status: string }).status === 'done';
  }

  /** Legs the flow dialled. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests hand these refs back in any leg event
  get dialled(): Array<DialLeg<any>> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    return this.commands.flatMap((c) => (c.type === 'dial' ? [c.leg as DialLeg<any>] : []));
  }

  /** Events sent to a leg. */
  sentTo(leg: LegRef<never> | string): Array<{ type: string } & Record<string, unknown>> {
    const id = typeof leg === 'string' ? leg : leg.id;
    return this.commands.flatMap((c) => (c.type === 'send' && c.to.id === id ? [c.event as { type: string }] : []));
  }

  /** Wait (for an invoked effect) until the flow is in `state` (a prefix match on the dotted path). */
  async waitForState(state: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(this.actor, () => this.state === state || this.state.startsWith(`${state}.`), { timeout: timeoutMs });
  }

  stop(): void {
    this.actor.stop();
  }
}

export function testFlow<TFlow extends AnyStateMachine>(flow: TFlow, options: TestFlowOptions<TFlow>): FlowTest<TFlow> {
  return new FlowTest(flow, options);
}
