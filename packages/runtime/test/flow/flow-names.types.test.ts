/**
 * Type-level tests (checked by `npm run typecheck`, never run): every name a flow writes is checked by the compiler
 * at the line where it is written. Each `@ts-expect-error` sits on the line above the misspelling it expects; an
 * error elsewhere, or none, fails the typecheck ("unused @ts-expect-error").
 */
import { assign } from 'xstate';
import {
  effect,
  flowConfig,
  hangup,
  play,
  sendToLeg,
  setup,
  type CallEvent,
  type EffectArgs,
  type FlowInput,
  type LegRef,
} from '../../src/flow/index.js';
import type { CalleeEvents, CallerEvents } from './fixtures/pin-legs.js';

declare const calleeRef: LegRef<CalleeEvents>;
declare const callerRef: LegRef<CallerEvents>;

const lookup = effect(async ({ input }: EffectArgs<{ user: string }, never>) => [input.user], { errors: ['LOOKUP_CONNECT', 'LOOKUP_QUERY'] });

const flow = setup({
  types: {
    input: {} as FlowInput<unknown, CallerEvents>,
    context: {} as { n: number; caller: LegRef<CallerEvents>; callee: LegRef<CalleeEvents> },
    events: {} as CallerEvents,
  },
  actors: { lookup },
  guards: { lastTry: ({ context }) => context.n > 2 },
  actions: { count: assign({ n: ({ context }) => context.n + 1 }) },
  delays: { digitTimeout: 20_000 },
});

// Every name spelt right compiles, in every place a name is written.
export const good = flow.createMachine({
  id: 'good',
  initial: 'START',
  context: { n: 0, caller: callerRef, callee: calleeRef },
  on: { 'sip.hangup': '.END' },
  states: {
    START: { on: { 'sip.invite': 'LOOKUP' } },
    LOOKUP: {
      invoke: {
        src: 'lookup',
        input: { user: 'u' },
        onDone: 'GREETING',
        onError: [{ guard: lookup.failedWith('LOOKUP_QUERY'), target: '#good.END' }, { target: 'END' }],
      },
    },
    GREETING: {
      on: {
        dtmf: { target: 'TALK.talking', actions: 'count' },
        error: { target: 'END', actions: hangup() },
        'callee.matched': { guard: 'lastTry', target: 'TALK' },
        'leg.*': 'END',
      },
      after: { digitTimeout: 'END', 1000: { target: 'GREETING', reenter: true } },
    },
    TALK: {
      initial: 'talking',
      entry: sendToLeg(({ context }) => context.callee, { type: 'caller.connect', room: 'r' }),
      states: { talking: { on: { dtmf: '.' === '.' ? '#good.TALK.done' : 'done' } }, done: { always: '#good.END' } },
    },
    END: { type: 'final' },
  },
});

// Each misspelling in a machine of its own (the compiler reports the first name XState itself refuses and stops).
const ctx = { n: 0, caller: callerRef, callee: calleeRef };

export const eventKey = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    A: {
      on: {
        dtmf: 'END',
        // An event key in a state that handles other events:
        // @ts-expect-error 'eror' is not an event of this flow
        eror: 'END',
        error: 'END',
      },
    },
    END: { type: 'final' },
  },
});
export const legMessageKey = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    A: {
      on: {
        'callee.matched': 'END',
        // @ts-expect-error 'calee.matched' is not an event of this flow
        'calee.matched': 'END',
      },
    },
    END: { type: 'final' },
  },
});
export const delayName = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    A: {
      after: {
        digitTimeout: 'END',
        // @ts-expect-error no delay named 'digitTimeot'
        digitTimeot: 'END',
      },
    },
    END: { type: 'final' },
  },
});
export const actorName = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    // XState reports an unknown source on the `invoke` line (the union of its actors cannot point deeper).
    // @ts-expect-error no actor named 'lokup'
    A: { invoke: { src: 'lokup', input: { user: 'u' }, onDone: 'END' } },
    END: { type: 'final' },
  },
});
export const guardName = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    A: {
      on: {
        // XState reports a guard or action name on the first line of its transition (write short ones on one line).
        // @ts-expect-error no guard named 'lastTri'
        dtmf: { guard: 'lastTri', target: 'END' },
      },
    },
    END: { type: 'final' },
  },
});
export const actionName = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    A: {
      on: {
        // @ts-expect-error no action named 'cont'
        dtmf: { target: 'END', actions: 'cont' },
      },
    },
    END: { type: 'final' },
  },
});
export const effectErrorCode = flow.createMachine({
  context: ctx,
  initial: 'A',
  states: {
    A: {
      invoke: {
        src: 'lookup',
        input: { user: 'u' },
        onError: [
          {
            // @ts-expect-error 'LOOKUP_QUERYY' is not an error code of the lookup effect
            guard: lookup.failedWith('LOOKUP_QUERYY'),
            target: 'END',
          },
          { target: 'END' },
        ],
      },
    },
    END: { type: 'final' },
  },
});
export const targets = flow.createMachine({
  id: 'bad',
  context: ctx,
  initial: 'A',
  on: {
    // @ts-expect-error no child state '.ENDD'
    'sip.hangup': '.ENDD',
  },
  states: {
    A: {
      on: {
        // @ts-expect-error no state named 'ENDD'
        dtmf: 'ENDD',
        // @ts-expect-error no state 'B.talkng' (B's child is 'talking')
        'callee.matched': 'B.talkng',
        // @ts-expect-error no state '#bad.ENDD' under the id #bad
        'leg.ended': { target: '#bad.ENDD' },
        // @ts-expect-error no id '#bda'
        'leg.failed': { target: '#bda.END' },
      },
      after: {
        // @ts-expect-error no state named 'ENDD' (after)
        1000: 'ENDD',
      },
      invoke: {
        src: 'lookup',
        input: { user: 'u' },
        // @ts-expect-error no state named 'ENDD' (onDone)
        onDone: 'ENDD',
      },
    },
    B: {
      initial: 'talking',
      states: {
        talking: {
          // @ts-expect-error no state named 'ENDD' (always, from a child)
          always: { target: 'ENDD' },
        },
      },
    },
    END: { type: 'final' },
  },
});

// A wrapped config is checked too (the error points at the wrapper: write configs inline for per-line errors).
export const wrapped = flow.createMachine(
  // @ts-expect-error 'dtfm' is not an event of this flow
  flowConfig({
    initial: 'A',
    states: { A: { on: { dtmf: 'END', dtfm: 'END' } }, END: { type: 'final' } },
  }),
);
export const wrappedTarget = flow.createMachine(
  // @ts-expect-error no state named 'ENDD'
  flowConfig({
    initial: 'A',
    states: { A: { on: { dtmf: 'ENDD' } }, END: { type: 'final' } },
  }),
);

// A leg message can never impersonate a runtime event, whatever the receiver's event union holds.
export const noImpersonation = flow.createMachine({
  initial: 'A',
  context: { n: 0, caller: callerRef, callee: calleeRef },
  states: {
    A: {
      entry: [
        sendToLeg(({ context }) => context.callee, { type: 'caller.connect', room: 'r' }),
        // @ts-expect-error 'sip.hangup' is a runtime event, not a message of the callee flow
        sendToLeg(({ context }) => context.callee, { type: 'sip.hangup', reason: 'bye' }),
        // @ts-expect-error 'leg.ended' neither
        sendToLeg(callerRef, { type: 'leg.ended', leg: calleeRef, reason: 'x' }),
      ],
    },
  },
});

// LegRef is typed by the receiver's messages only: a ref that accepts only runtime events accepts nothing.
declare const runtimeOnly: LegRef<CallEvent>;
// @ts-expect-error no message can be sent to a flow that declares none
export const nothingToSend = sendToLeg(runtimeOnly, { type: 'dtmf', key: '1', source: 'info' });

// The effect's codes are typed where the error is read.
export const code: 'LOOKUP_CONNECT' | 'LOOKUP_QUERY' | 'EFFECT_FAILED' = lookup.codeOf(new Error('x'));
// @ts-expect-error codeOf never returns an undeclared code
export const wrongCode: 'LOOKUP_CONNECT' = lookup.codeOf(new Error('x'));

export const prompts = play('welcome.wav');

// Prompt names: a flow made with setup({ prompts }) plays only those (the literal name is checked at its line).
const appPrompts = ['welcome_caller.wav', 'sorry_pin_wrong.wav'] as const;
const withPrompts = setup({
  prompts: appPrompts,
  types: { context: {} as { name: string }, events: {} as CallerEvents },
});
export const promptsSpeltRight = withPrompts.createMachine({
  initial: 'A',
  context: { name: 'x.wav' },
  states: {
    A: {
      entry: play('welcome_caller.wav'),
      exit: [hangup(), play('sorry_pin_wrong.wav')],
      on: {
        dtmf: { target: 'B', actions: [play('welcome_caller.wav'), play(({ context }) => context.name)] },
        'sip.hangup': { target: 'END', actions: play('/abs/path/is/not/checked.wav' as string) },
      },
    },
    B: { after: { 10: { target: 'END', actions: play('sorry_pin_wrong.wav') } } },
    END: { type: 'final' },
  },
});
export const promptInEntry = withPrompts.createMachine({
  initial: 'A',
  context: { name: '' },
  states: {
    A: {
      entry: [
        hangup(),
        // @ts-expect-error no prompt named 'welcom_caller.wav' in setup({ prompts })
        play('welcom_caller.wav'),
      ],
    },
  },
});
export const promptInTransition = withPrompts.createMachine({
  initial: 'A',
  context: { name: '' },
  states: {
    A: {
      on: {
        dtmf: {
          target: 'END',
          // @ts-expect-error no prompt named 'sorry_pin_wrng.wav'
          actions: play('sorry_pin_wrng.wav'),
        },
      },
    },
    END: { type: 'final' },
  },
});
export const promptInExitAndAfter = withPrompts.createMachine({
  initial: 'A',
  context: { name: '' },
  states: {
    A: {
      // @ts-expect-error no prompt named 'bye.wav' (exit)
      exit: play('bye.wav'),
      after: {
        // @ts-expect-error no prompt named 'welcome.wav' (after)
        10: { target: 'END', actions: play('welcome.wav') },
      },
    },
    END: { type: 'final' },
  },
});
