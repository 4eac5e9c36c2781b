/**
 * quizconnect's callee leg (the tutorial's quizconnect_callee.dsm): an outbound call the caller leg placed. It
 * greets the callee, collects DTMF until the digits equal its PIN, tells the caller leg, and joins the caller's
 * room when the caller confirms. The PIN arrives in the flow's input, never in SIP.
 *
 * START ─session starts─▶ ENTER_PIN ─pressed a number─▶ TEST_PIN ─pin matches─▶ MATCHING_PIN ─ok, connected─▶ CONNECTED
 *                          ▲   └─pressed hash or star─▶ TEST_PIN_FINAL ─pin doesn't match (sorry prompt)─┘
 * Any state ─BYE received / callee did not answer─▶ END (reaching END hangs the leg up; the caller leg sees leg.ended).
 */
import { assign } from 'xstate';
import { setup, flush, hangup, join, play, sendToLeg, type FlowInput, type LegRef } from '@sipflow/runtime/flow';
import type { QuizConfig } from './config.js';
import { logEvent } from './log-action.js';
import { quizPrompts } from './prompts.js';
import type { CalleeEvents, CallerEvents } from './messages.js';

/** The tutorial's `b_leg_var.pin` and `b_leg_var.a_ltag`, as typed input. */
export type CalleeInput = FlowInput<QuizConfig, CalleeEvents> & { pin: string; caller: LegRef<CallerEvents> };

export interface CalleeContext {
  pin: string;
  /** Digits typed since the last clear (the tutorial's $entered_pin). */
  entered: string;
  caller: LegRef<CallerEvents>;
  self: LegRef<CalleeEvents>;
}

/** Seconds a matched callee waits for the caller to confirm (it may have lost a race, or the caller vanished). */
export const MATCH_CONFIRM_TIMEOUT_S = 10;
/** Longest entered-digit string kept (bounded memory; no PIN is longer than 32). */
const MAX_ENTERED = 64;

export const calleeFlow = setup({
  prompts: quizPrompts,
  types: {
    input: {} as CalleeInput,
    context: {} as CalleeContext,
    events: {} as CalleeEvents,
  },
  guards: {
    pinMatches: ({ context }) => context.pin.length > 0 && context.entered === context.pin,
    isDigit: ({ event }) => event.type === 'dtmf' && event.key >= '0' && event.key <= '9',
    isHashOrStar: ({ event }) => event.type === 'dtmf' && (event.key === '#' || event.key === '*'),
    /** The caller's flow hung this leg up (another callee won, the caller left): DSM's "got cancel from A leg". */
    endedByCallerLeg: ({ event }) => event.type === 'sip.hangup' && event.reason === 'owner',
  },
  delays: {
    confirmTimeout: MATCH_CONFIRM_TIMEOUT_S * 1000,
  },
}).createMachine({
  id: 'quizconnect_callee',
  initial: 'START',
  context: ({ input }) => ({ pin: input.pin, entered: '', caller: input.caller, self: input.self }),
  // In every state: the callee's phone hung up (B3: mid-PIN; C8: after connect), the caller's flow hung this leg
  // up (C5/C6: another callee won, the caller left), or the phone never answered (E5, B2).
  on: {
    'sip.hangup': [
      { guard: 'endedByCallerLeg', target: '.END', description: 'hung up by caller leg' },
      { target: '.END', description: 'BYE received' },
    ],
    'call.failed': {
      target: '.END',
      description: 'callee did not answer',
      actions: logEvent('info', ({ event }) => ({ msg: 'callee leg failed', code: event.code, reason: event.reason })),
    },
    // B6: an effect failed (prompt unreadable, media gone): end this leg cleanly, the others go on.
    error: {
      target: '.END',
      description: 'unexpected failure',
      actions: [logEvent('error', ({ event }) => ({ msg: 'callee leg failed unexpectedly', code: event.code, error: event.message })), hangup(500)],
    },
  },
  states: {
    START: {
      on: {
        'call.started': { target: 'ENTER_PIN', actions: play('welcome_callee.wav'), description: 'session starts in callee leg' },
      },
    },
    ENTER_PIN: {
      on: {
        dtmf: [
          {
            guard: 'isDigit',
            target: 'TEST_PIN',
            // Barge-in: the prompt stops at once (DSM closePlaylist(false)), then the digit is appended.
            actions: [flush(), assign({ entered: ({ context, event }) => (context.entered + event.key).slice(-MAX_ENTERED) })],
            description: 'pressed a number',
          },
          // A-D (not on a phone keypad) match neither and are dropped.
          { guard: 'isHashOrStar', target: 'TEST_PIN_FINAL', actions: flush(), description: 'pressed hash or star' },
        ],
      },
    },
    TEST_PIN: {
      always: [
        { guard: 'pinMatches', target: 'MATCHING_PIN', description: 'pin matches' },
        { target: 'ENTER_PIN', description: "pin doesn't match" },
      ],
    },
    TEST_PIN_FINAL: {
      always: [
        { guard: 'pinMatches', target: 'MATCHING_PIN', description: 'pin matches' },
        {
          target: 'ENTER_PIN',
          actions: [assign({ entered: '' }), play('sorry_pin_wrong.wav')],
          description: "pin doesn't match",
        },
      ],
    },
    MATCHING_PIN: {
      // Tell the caller leg (typed message, not a string); it answers with caller.connect — or ends this leg if
      // another callee won first (B4).
      entry: sendToLeg(
        ({ context }) => context.caller,
        ({ context }) => ({ type: 'callee.matched', leg: context.self }),
      ),
      on: {
        'caller.connect': { target: 'CONNECTED', actions: join(({ event }) => event.room), description: 'ok, connected' },
      },
      after: { confirmTimeout: { target: 'END', description: 'caller did not confirm' } },
    },
    // Talking to the caller in its room; only a hangup (global) leaves.
    CONNECTED: {},
    END: { type: 'final' },
  },
});
