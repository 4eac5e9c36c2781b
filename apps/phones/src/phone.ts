/**
 * One phone: rings, answers, and — when the called user has a PIN in `pins` — types it as RFC 4733 telephone-events
 * (in-band tones when the SDP has none), then stays on the line until either side hangs up.
 *
 * START ─got INVITE (180)─▶ RINGING ─picked up (200)─▶ ANSWERED ─typed the PIN─▶ TALKING
 *                                                        └─no PIN for this user: listens─┘
 * Any state ─hung up─▶ END; TALKING/ANSWERED ─call too long─▶ END (BYE).
 */
import { answer, hangup, progress, sendDtmf, setup, type CallEvent, type FlowInput } from '@sipflow/runtime/flow';
import { parsePins, type PhonesConfig } from './config.js';

export const phone = setup({
  types: {
    input: {} as FlowInput<PhonesConfig>,
    context: {} as { pin: string | undefined; answerAfterMs: number; typeAfterMs: number; maxCallMs: number },
    events: {} as CallEvent,
  },
  guards: {
    hasPin: ({ context }) => context.pin !== undefined,
  },
  delays: {
    answerAfter: ({ context }) => context.answerAfterMs,
    typeAfter: ({ context }) => context.typeAfterMs,
    maxCall: ({ context }) => context.maxCallMs,
  },
}).createMachine({
  id: 'phones_main',
  initial: 'START',
  context: ({ input }) => ({
    pin: parsePins(input.config.pins)[input.call.user],
    answerAfterMs: input.config.answer_after * 1000,
    typeAfterMs: input.config.type_after * 1000,
    maxCallMs: input.config.max_call * 1000,
  }),
  on: {
    'sip.hangup': { target: '.END', description: 'hung up' },
    error: { target: '.END', actions: hangup(), description: 'something failed' },
  },
  states: {
    START: { on: { 'sip.invite': { target: 'RINGING', actions: progress(180), description: 'got INVITE' } } },
    RINGING: { after: { answerAfter: { target: 'ANSWERED', actions: answer(), description: 'picked up' } } },
    ANSWERED: {
      after: {
        typeAfter: [
          { guard: 'hasPin', target: 'TALKING', actions: sendDtmf(({ context }) => context.pin ?? ''), description: 'typed the PIN' },
          { target: 'TALKING', description: 'no PIN for this user: listens' },
        ],
        maxCall: { target: 'END', actions: hangup(), description: 'call too long' },
      },
    },
    TALKING: { after: { maxCall: { target: 'END', actions: hangup(), description: 'call too long' } } },
    END: { type: 'final' },
  },
});
