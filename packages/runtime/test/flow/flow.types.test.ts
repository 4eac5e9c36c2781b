/**
 * Type-level tests (checked by tsc, never run): what the compiler must refuse in a flow.
 */
import { setup } from 'xstate';
import { flowConfig, leg, sendToLeg, play, type CallEvent, type FlowInput, type LegRef } from '../../src/flow/index.js';
import { calleeFlow, type CalleeEvents, type CallerEvents } from './fixtures/pin-legs.js';

declare const callerRef: LegRef<CallerEvents>;
declare const calleeRef: LegRef<CalleeEvents>;

export const flows = setup({
  types: { input: {} as FlowInput<unknown, CalleeEvents>, context: {} as { caller: LegRef<CallerEvents> }, events: {} as CalleeEvents },
}).createMachine({
  context: { caller: callerRef },
  initial: 'A',
  states: {
    A: {
      on: {
        // A misspelt call event is not an event of the flow.
        // @ts-expect-error 'dtfm' is not in CalleeEvents
        dtfm: { target: 'B' },
        dtmf: { target: 'B', actions: play(({ event }) => `digit-${event.key}.wav`) },
        // A field the event does not have.
        'sip.hangup': {
          target: 'B',
          // @ts-expect-error 'sip.hangup' has a reason, not a code
          actions: play(({ event }) => `x${event.code}`),
        },
      },
    },
    B: {
      entry: [
        sendToLeg(
          ({ context }) => context.caller,
          ({ context }) => ({ type: 'callee.matched', leg: calleeRef }),
        ),
        // A misspelt leg message is refused: the ref carries the receiving flow's events.
        // @ts-expect-error 'calee.matched' is not an event the caller flow accepts
        sendToLeg(({ context }) => context.caller, { type: 'calee.matched', leg: calleeRef }),
        // The right type with a wrong payload is refused too.
        // @ts-expect-error callee.matched needs `leg`
        sendToLeg(({ context }) => context.caller, { type: 'callee.matched' }),
        // A message meant for the callee cannot be sent to the caller.
        // @ts-expect-error caller.connect is a callee message
        sendToLeg(callerRef, { type: 'caller.connect', room: 'r' }),
      ],
    },
  },
});

// The input of a dialled leg is typed by the callee flow's own input.
export const ok = leg(calleeFlow, { to: 'sip:john@h', input: { pin: '1', caller: callerRef } });
// @ts-expect-error the callee flow needs a pin
export const noPin = leg(calleeFlow, { to: 'sip:john@h', input: { caller: callerRef } });
// @ts-expect-error pin is a string
export const badPin = leg(calleeFlow, { to: 'sip:john@h', input: { pin: 12345, caller: callerRef } });

// CallEvent is a closed union.
// @ts-expect-error no such call event
export const bad: CallEvent = { type: 'sip.bye' };

// A transition to a state that does not exist is refused when the config is wrapped in flowConfig().
export const targets = setup({ types: { events: {} as CallEvent } }).createMachine(
  // @ts-expect-error no state named 'ENDD'
  flowConfig({
    initial: 'A',
    states: {
      A: { on: { dtmf: { target: 'ENDD' } } },
      END: { type: 'final' },
    },
  }),
);
export const nestedTargets = setup({ types: { events: {} as CallEvent } }).createMachine(
  // @ts-expect-error no state named '.TALKNG'
  flowConfig({
    initial: 'A',
    on: { 'sip.hangup': '.END' },
    states: {
      A: { after: { 1000: 'B.talking' } },
      B: { initial: 'talking', states: { talking: { always: '.TALKNG' } } },
      END: { type: 'final' },
    },
  }),
);
export const goodTargets = setup({ types: { events: {} as CallEvent } }).createMachine(
  flowConfig({
    id: 'g',
    initial: 'A',
    on: { 'sip.hangup': '.END' },
    states: {
      A: { after: { 1000: 'B.talking' }, on: { dtmf: '#g.END' } },
      B: { initial: 'talking', states: { talking: {} } },
      END: { type: 'final' },
    },
  }),
);
