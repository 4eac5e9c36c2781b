/**
 * Type-level tests (checked by `npm run typecheck`, never run): testFlow's `resources` and `actors` are typed from
 * the flow, so a fake of the wrong shape does not compile (at run time it would make the flow answer 500).
 */
import { fromPromise } from 'xstate';
import { effect, setup, testFlow, type CallEvent, type EffectArgs, type FlowInput, type FlowServices } from '../../src/flow/index.js';

interface Row {
  callee: string;
  pin: string;
}
interface Resources {
  calleesFor(user: string): Promise<Row[]>;
}
const lookup = effect(
  async ({ input, services }: EffectArgs<{ user: string }, FlowServices<{ n: number }, Resources>>) => services.resources.calleesFor(input.user),
  {
    errors: ['LOOKUP_QUERY'],
  },
);

const flow = setup({
  types: { input: {} as FlowInput<{ n: number }>, context: {} as { rows: Row[] }, events: {} as CallEvent },
  actors: { lookup },
}).createMachine({
  initial: 'LOOKUP',
  context: { rows: [] },
  states: {
    LOOKUP: { invoke: { src: 'lookup', input: { user: '35' }, onDone: 'END', onError: 'END' } },
    END: { type: 'final' },
  },
});

const rows: Row[] = [{ callee: 'john', pin: '12345' }];

// The right shapes compile.
testFlow(flow, { input: {}, config: { n: 1 }, resources: { calleesFor: async () => rows } });
testFlow(flow, { input: {}, config: { n: 1 }, actors: { lookup: fromPromise(async () => rows) } });

testFlow(flow, {
  input: {},
  config: { n: 1 },
  // @ts-expect-error the resources have no `lookup`: the effect calls `calleesFor`
  resources: { lookup: async () => rows },
});
testFlow(flow, {
  input: {},
  config: { n: 1 },
  // @ts-expect-error calleesFor must resolve with rows
  resources: { calleesFor: async () => 'john' },
});
testFlow(flow, {
  input: {},
  config: { n: 1 },
  // @ts-expect-error no actor 'lokup' in the flow
  actors: { lokup: fromPromise(async () => rows) },
});
testFlow(flow, {
  input: {},
  config: { n: 1 },
  // @ts-expect-error the fake lookup must resolve with rows, like the effect
  actors: { lookup: fromPromise(async () => 42) },
});
// @ts-expect-error the config is the flow's config
testFlow(flow, { input: {}, config: { n: 'one' } });

// A flow with no effect takes any resources (there is nothing to check them against).
const plain = setup({ types: { events: {} as CallEvent } }).createMachine({ initial: 'A', states: { A: {} } });
testFlow(plain, { input: {}, resources: { anything: 1 } });
