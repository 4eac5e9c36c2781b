/** The far-end leg: waits to be told which room to join. */
import { setup, join, type FlowInput } from '@sipflow/runtime/flow';
import type { BridgeConfig } from './config.js';
import type { FarEndEvents } from './messages.js';

export const farEnd = setup({
  types: {
    input: {} as FlowInput<BridgeConfig, FarEndEvents>,
    events: {} as FarEndEvents,
  },
}).createMachine({
  id: 'farEnd',
  initial: 'CALLING',
  on: {
    'sip.hangup': [
      // The bridge (the flow that dialled this leg) ended it: the caller left or gave up.
      { guard: ({ event }) => event.reason === 'owner', target: '.END', description: 'bridge ended' },
      { target: '.END', description: 'far end hung up' },
    ],
    'call.failed': { target: '.END', description: 'far end did not answer' },
  },
  states: {
    CALLING: {
      on: { 'bridge.join': { target: 'BRIDGED', actions: join(({ event }) => event.room), description: 'joined the room' } },
    },
    BRIDGED: {},
    END: { type: 'final' },
  },
});
