/**
 * semantics: imported from semantics.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { flowConfig, play } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, evalSum, inc, isDsmEvent, p, sel, v, type DsmContext, type DsmInput } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

const { repost, setVars, throwException } = dsmActions<DsmContext<AppConfig>, AppEvents>();

export const semanticsFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents,
  },
}).createMachine(
  flowConfig({
    id: 'semantics',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    states: {
      // semantics.dsm:5
      START: {
        on: {
          'sip.invite': [
            // semantics.dsm:6
            {
              target: 'ORDER',
              reenter: true,
              description: 'go order',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'order'),
            },
            // semantics.dsm:7
            {
              target: 'ANY_WAIT',
              reenter: true,
              description: 'go any',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'any'),
            },
            // semantics.dsm:8
            {
              target: 'LOOP',
              reenter: true,
              description: 'go reenter',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'reenter'),
            },
            // semantics.dsm:9
            {
              target: 'THROWER',
              reenter: true,
              description: 'go throw',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'throw'),
            },
            // semantics.dsm:10
            {
              target: 'REPOST_FROM',
              reenter: true,
              description: 'go repost',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'repost'),
            },
            // semantics.dsm:11
            {
              target: 'VARS',
              reenter: true,
              description: 'go vars',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'vars'),
            },
          ],
        },
      },
      // semantics.dsm:15
      ORDER: {
        // TODO(semantics.dsm:15): DSM state ORDER takes a hangup only under conditions; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:16
            {
              target: 'FIVE',
              reenter: true,
              description: 'five by test',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '5'),
            },
            // semantics.dsm:17
            {
              target: 'KEYED',
              reenter: true,
              description: 'any key',
            },
          ],
          'sip.hangup': [
            // semantics.dsm:16
            {
              target: 'FIVE',
              reenter: true,
              description: 'five by test',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '5'),
            },
          ],
          '*': [
            // semantics.dsm:16
            {
              target: 'FIVE',
              reenter: true,
              description: 'five by test',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(p(e, 'key'), '==', '5'),
            },
          ],
        },
      },
      // semantics.dsm:18
      FIVE: {
        type: 'final',
      },
      // semantics.dsm:19
      KEYED: {
        type: 'final',
      },
      // semantics.dsm:22
      ANY_WAIT: {
        on: {
          'sip.hangup': [
            // semantics.dsm:23
            {
              target: 'ANY_DONE',
              reenter: true,
              description: 'anything',
            },
          ],
          '*': [
            // semantics.dsm:23
            {
              target: 'ANY_DONE',
              reenter: true,
              description: 'anything',
              guard: ({ context: c, event: e }) => isDsmEvent(e),
            },
          ],
        },
      },
      // semantics.dsm:24
      ANY_DONE: {
        type: 'final',
      },
      // semantics.dsm:27
      LOOP: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'enter;' })),
        ],
        exit: [
          setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'exit;' })),
        ],
        on: {
          'dtmf': [
            // semantics.dsm:30
            {
              target: 'LOOP',
              reenter: true,
              description: 'again',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'action;' })),
              ],
            },
          ],
          'sip.hangup': [
            // semantics.dsm:31
            {
              target: 'END',
              reenter: true,
              description: 'bye',
            },
          ],
        },
      },
      // semantics.dsm:34
      THROWER: {
        // TODO(semantics.dsm:34): DSM state THROWER has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:35
            {
              target: 'CATCHER',
              reenter: true,
              description: 'throw',
              guard: ({ context: c, event: e }) => p(e, 'key') === '1',
              actions: [
                throwException(({ context: c, event: e }) => ({ 'type': 'bad_command', 'reason': 'whynot' })),
              ],
            },
            // semantics.dsm:36
            {
              target: 'CATCHER',
              reenter: true,
              description: 'fail a prompt',
              guard: ({ context: c, event: e }) => p(e, 'key') === '2',
              actions: [
                play(({ context: c, event: e }) => 'missing.wav'),
              ],
            },
          ],
        },
      },
      // semantics.dsm:37
      CATCHER: {
        // TODO(semantics.dsm:37): DSM state CATCHER takes a hangup only under conditions; the review asks what it does.
        on: {
          'error': [
            // semantics.dsm:39
            {
              target: 'CAUGHT_FILE',
              reenter: true,
              description: 'caught a file error',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'file'),
            },
            // semantics.dsm:40
            {
              target: 'CAUGHT',
              reenter: true,
              description: 'caught',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'reason': p(e, 'reason') })),
              ],
            },
          ],
          'dsm.exception': [
            // semantics.dsm:39
            {
              target: 'CAUGHT_FILE',
              reenter: true,
              description: 'caught a file error',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'file'),
            },
            // semantics.dsm:40
            {
              target: 'CAUGHT',
              reenter: true,
              description: 'caught',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'reason': p(e, 'reason') })),
              ],
            },
          ],
          'sip.hangup': [
            // semantics.dsm:38
            {
              target: 'WRONG',
              reenter: true,
              description: 'not for exceptions',
              guard: ({ context: c, event: e }) => cmp(v(c, 'never'), '!=', 'set'),
            },
          ],
          '*': [
            // semantics.dsm:38
            {
              target: 'WRONG',
              reenter: true,
              description: 'not for exceptions',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'never'), '!=', 'set'),
            },
          ],
        },
      },
      // semantics.dsm:41
      WRONG: {
        type: 'final',
      },
      // semantics.dsm:42
      CAUGHT_FILE: {
        type: 'final',
      },
      // semantics.dsm:43
      CAUGHT: {
        type: 'final',
      },
      // semantics.dsm:46
      REPOST_FROM: {
        // TODO(semantics.dsm:46): DSM state REPOST_FROM has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:47
            {
              target: 'REPOSTER',
              reenter: true,
              description: 'to the reposter',
            },
          ],
        },
      },
      // semantics.dsm:48
      REPOSTER: {
        entry: [
          repost(),
        ],
        // TODO(semantics.dsm:48): DSM state REPOSTER has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:49
            {
              target: 'SEVEN',
              reenter: true,
              description: 'seven',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '7'),
            },
            // semantics.dsm:50
            {
              target: 'OTHER_KEY',
              reenter: true,
              description: 'another key',
            },
          ],
        },
      },
      // semantics.dsm:51
      SEVEN: {
        type: 'final',
      },
      // semantics.dsm:52
      OTHER_KEY: {
        type: 'final',
      },
      // semantics.dsm:55
      VARS: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'n': '007' })),
          setVars(({ context: c, event: e }) => ({ 'n': inc(v(c, 'n')) })),
          setVars(({ context: c, event: e }) => ({ 'sum': evalSum('3+4') })),
          setVars(({ context: c, event: e }) => ({ 'greeting': `hello ${v(c, 'n')} ${sel(c, 'user')} #$` })),
          setVars(({ context: c, event: e }) => ({ 'copy': v(c, 'sum') })),
          setVars(({ context: c, event: e }) => ({ 'indirect': v(c, v(c, 'copy_name')) })),
        ],
        // TODO(semantics.dsm:55): DSM state VARS takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // semantics.dsm:63
            {
              target: 'VARS_OK',
              reenter: true,
              description: 'numbers',
              guard: ({ context: c, event: e }) => cmp(v(c, 'n'), '<', '10') && cmp(v(c, 'copy'), '==', '7') && cmp(v(c, 'n'), '!=', '007'),
            },
          ],
          '*': [
            // semantics.dsm:63
            {
              target: 'VARS_OK',
              reenter: true,
              description: 'numbers',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'n'), '<', '10') && cmp(v(c, 'copy'), '==', '7') && cmp(v(c, 'n'), '!=', '007'),
            },
          ],
        },
      },
      // semantics.dsm:64
      VARS_OK: {
        type: 'final',
      },
      // semantics.dsm:66
      END: {
        type: 'final',
      },
    },
  }),
);
