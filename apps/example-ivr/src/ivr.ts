/**
 * An IVR leg: answer, play a welcome prompt, collect as many digits as `code` has (DTMF by RFC 4733, SIP INFO or
 * in-band), say goodbye when they match `code` (else play "wrong" and collect again), then hang up.
 * `*` reads back the digits typed so far: the IVR sends them to the caller as DTMF (`sendDtmf`: RFC 4733
 * telephone-events when the SDP agreed on them, else in-band tones) and goes on collecting.
 */
import { assign } from 'xstate';
import { answer, setup, flush, hangup, play, sendDtmf, type CallEvent, type FlowInput } from '@sipflow/runtime/flow';
import { READ_BACK_KEY, type IvrConfig } from './config.js';
import { ivrPrompts } from './prompts.js';

export const ivr = setup({
  prompts: ivrPrompts,
  types: {
    input: {} as FlowInput<IvrConfig>,
    context: {} as { code: string; entered: string; tries: number; maxTries: number; digitTimeoutMs: number },
    events: {} as CallEvent,
  },
  guards: {
    star: ({ event }) => event.type === 'dtmf' && event.key === READ_BACK_KEY,
    readBack: ({ context, event }) => event.type === 'dtmf' && event.key === READ_BACK_KEY && context.entered !== '',
    complete: ({ context }) => context.entered.length >= context.code.length,
    right: ({ context }) => context.entered === context.code,
    lastTry: ({ context }) => context.tries + 1 >= context.maxTries,
  },
  delays: {
    digitTimeout: ({ context }) => context.digitTimeoutMs,
  },
}).createMachine({
  id: 'ivr',
  initial: 'START',
  context: ({ input }) => ({
    code: input.config.code,
    entered: '',
    tries: 0,
    maxTries: input.config.max_tries,
    digitTimeoutMs: input.config.digit_timeout * 1000,
  }),
  on: {
    'sip.hangup': { target: '.END', description: 'caller hung up' },
  },
  states: {
    START: {
      on: { 'sip.invite': { target: 'GREETING', actions: [answer(), play('welcome.wav')], description: 'got INVITE' } },
    },
    GREETING: {
      on: {
        dtmf: [
          { guard: 'star', description: 'nothing to read back' },
          { target: 'COLLECT', actions: [flush(), assign({ entered: ({ event }) => event.key })], description: 'first key' },
        ],
        error: { target: 'END', actions: hangup(), description: 'error opening file' },
      },
      after: { digitTimeout: { target: 'END', actions: hangup(), description: 'no key pressed' } },
    },
    COLLECT: {
      always: { guard: 'complete', target: 'CHECK', description: 'code complete' },
      on: {
        dtmf: [
          // Queued after any read-back still going out; re-entering restarts the digit timeout.
          {
            guard: 'readBack',
            target: 'COLLECT',
            reenter: true,
            actions: sendDtmf(({ context }) => context.entered, { durationMs: 120, gapMs: 100 }),
            description: 'read back',
          },
          { guard: 'star', description: 'nothing to read back' },
          {
            target: 'COLLECT',
            reenter: true,
            actions: assign({ entered: ({ context, event }) => context.entered + event.key }),
            description: 'one more key',
          },
        ],
      },
      after: { digitTimeout: { target: 'END', actions: hangup(), description: 'no key pressed' } },
    },
    CHECK: {
      always: [
        { guard: 'right', target: 'GOODBYE', description: 'code right' },
        { guard: 'lastTry', target: 'END', actions: hangup(), description: 'too many tries' },
        {
          target: 'COLLECT',
          actions: [assign({ entered: '', tries: ({ context }) => context.tries + 1 }), play('wrong.wav')],
          description: 'code wrong',
        },
      ],
    },
    GOODBYE: {
      entry: play('goodbye.wav'),
      on: { 'playlist.ended': { target: 'END', actions: hangup(), description: 'said goodbye' } },
    },
    END: { type: 'final' },
  },
});
