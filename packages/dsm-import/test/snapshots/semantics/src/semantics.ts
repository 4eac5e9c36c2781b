/**
 * semantics: imported from semantics.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { effect, flowConfig, play, type EffectArgs } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, evalSum, inc, isDsmEvent, p, sel, v, type DsmContext, type DsmInput, type DsmExceptionEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppServices } from './lookups.js';
import type { AppEvents } from './messages.js';

const { beginEffect, defer, endEffect, getResult, queryFailed, repost, repostAfterEffect, setVars, sharedActions, storeRows, throwException } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** semantics.dsm:41 "caught": its actions, in 2 transitions. */
const caughtActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'reason': p(e, 'reason') })),
);

/** semantics.dsm:74 "one row": its actions, in 3 transitions. */
const oneRowActions = sharedActions(
  getResult(({ context: c, event: e }) => '0'),
);

export const semanticsFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmExceptionEvent,
  },
  actors: {
    'semantics_70': effect(async ({ input, services }: EffectArgs<Parameters<AppServices['resources']['semantics_70']>[0], AppServices>) =>
      services.resources.semantics_70(input),
    ),
  },
}).createMachine(
  flowConfig({
    id: 'semantics.semantics',
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
            // semantics.dsm:12
            {
              target: 'QUERYING',
              reenter: true,
              description: 'go query',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'query'),
            },
          ],
        },
      },
      // semantics.dsm:16
      ORDER: {
        // TODO(semantics.dsm:16): DSM state ORDER takes a hangup only under conditions; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:17
            {
              target: 'FIVE',
              reenter: true,
              description: 'five by test',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '5'),
            },
            // semantics.dsm:18
            {
              target: 'KEYED',
              reenter: true,
              description: 'any key',
            },
          ],
          'sip.hangup': [
            // semantics.dsm:17
            {
              target: 'FIVE',
              reenter: true,
              description: 'five by test',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '5'),
            },
          ],
          '*': [
            // semantics.dsm:17
            {
              target: 'FIVE',
              reenter: true,
              description: 'five by test',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(p(e, 'key'), '==', '5'),
            },
          ],
        },
      },
      // semantics.dsm:19
      FIVE: {
        type: 'final',
      },
      // semantics.dsm:20
      KEYED: {
        type: 'final',
      },
      // semantics.dsm:23
      ANY_WAIT: {
        on: {
          'sip.hangup': [
            // semantics.dsm:24
            {
              target: 'ANY_DONE',
              reenter: true,
              description: 'anything',
            },
          ],
          '*': [
            // semantics.dsm:24
            {
              target: 'ANY_DONE',
              reenter: true,
              description: 'anything',
              guard: ({ context: c, event: e }) => isDsmEvent(e),
            },
          ],
        },
      },
      // semantics.dsm:25
      ANY_DONE: {
        type: 'final',
      },
      // semantics.dsm:28
      LOOP: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'enter;' })),
        ],
        exit: [
          setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'exit;' })),
        ],
        on: {
          'dtmf': [
            // semantics.dsm:31
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
            // semantics.dsm:32
            {
              target: 'END',
              reenter: true,
              description: 'bye',
            },
          ],
        },
      },
      // semantics.dsm:35
      THROWER: {
        // TODO(semantics.dsm:35): DSM state THROWER has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:36
            {
              target: 'CATCHER',
              reenter: true,
              description: 'throw',
              guard: ({ context: c, event: e }) => p(e, 'key') === '1',
              actions: [
                throwException(({ context: c, event: e }) => ({ 'type': 'bad_command', 'reason': 'whynot' })),
              ],
            },
            // semantics.dsm:37
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
      // semantics.dsm:38
      CATCHER: {
        // TODO(semantics.dsm:38): DSM state CATCHER takes a hangup only under conditions; the review asks what it does.
        on: {
          'error': [
            // semantics.dsm:40
            {
              target: 'CAUGHT_FILE',
              reenter: true,
              description: 'caught a file error',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'file'),
            },
            // semantics.dsm:41
            {
              target: 'CAUGHT',
              reenter: true,
              description: 'caught',
              actions: caughtActions,
            },
          ],
          'dsm.exception': [
            // semantics.dsm:40
            {
              target: 'CAUGHT_FILE',
              reenter: true,
              description: 'caught a file error',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'file'),
            },
            // semantics.dsm:41
            {
              target: 'CAUGHT',
              reenter: true,
              description: 'caught',
              actions: caughtActions,
            },
          ],
          'sip.hangup': [
            // semantics.dsm:39
            {
              target: 'WRONG',
              reenter: true,
              description: 'not for exceptions',
              guard: ({ context: c, event: e }) => cmp(v(c, 'never'), '!=', 'set'),
            },
          ],
          '*': [
            // semantics.dsm:39
            {
              target: 'WRONG',
              reenter: true,
              description: 'not for exceptions',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'never'), '!=', 'set'),
            },
          ],
        },
      },
      // semantics.dsm:42
      WRONG: {
        type: 'final',
      },
      // semantics.dsm:43
      CAUGHT_FILE: {
        type: 'final',
      },
      // semantics.dsm:44
      CAUGHT: {
        type: 'final',
      },
      // semantics.dsm:47
      REPOST_FROM: {
        // TODO(semantics.dsm:47): DSM state REPOST_FROM has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:48
            {
              target: 'REPOSTER',
              reenter: true,
              description: 'to the reposter',
            },
          ],
        },
      },
      // semantics.dsm:49
      REPOSTER: {
        entry: [
          repost(),
        ],
        // TODO(semantics.dsm:49): DSM state REPOSTER has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:50
            {
              target: 'SEVEN',
              reenter: true,
              description: 'seven',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '7'),
            },
            // semantics.dsm:51
            {
              target: 'OTHER_KEY',
              reenter: true,
              description: 'another key',
            },
          ],
        },
      },
      // semantics.dsm:52
      SEVEN: {
        type: 'final',
      },
      // semantics.dsm:53
      OTHER_KEY: {
        type: 'final',
      },
      // semantics.dsm:56
      VARS: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'n': '007' })),
          setVars(({ context: c, event: e }) => ({ 'n': inc(v(c, 'n')) })),
          setVars(({ context: c, event: e }) => ({ 'sum': evalSum('3+4') })),
          setVars(({ context: c, event: e }) => ({ 'greeting': `hello ${v(c, 'n')} ${sel(c, 'user')} #$` })),
          setVars(({ context: c, event: e }) => ({ 'copy': v(c, 'sum') })),
          setVars(({ context: c, event: e }) => ({ 'indirect': v(c, v(c, 'copy_name')) })),
        ],
        // TODO(semantics.dsm:56): DSM state VARS takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // semantics.dsm:64
            {
              target: 'VARS_OK',
              reenter: true,
              description: 'numbers',
              guard: ({ context: c, event: e }) => cmp(v(c, 'n'), '<', '10') && cmp(v(c, 'copy'), '==', '7') && cmp(v(c, 'n'), '!=', '007'),
            },
          ],
          '*': [
            // semantics.dsm:64
            {
              target: 'VARS_OK',
              reenter: true,
              description: 'numbers',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'n'), '<', '10') && cmp(v(c, 'copy'), '==', '7') && cmp(v(c, 'n'), '!=', '007'),
            },
          ],
        },
      },
      // semantics.dsm:65
      VARS_OK: {
        type: 'final',
      },
      // semantics.dsm:68
      QUERYING: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'k': '1' })),
          beginEffect(),
        ],
        // semantics.dsm:70: mysql.query(select name from t where k=?)
        invoke: {
          src: 'semantics_70',
          input: ({ context: c }) => ({ 'k': v(c, 'k') }),
          onDone: { actions: [
            storeRows(),
            repostAfterEffect(),
            endEffect(),
          ] },
          onError: { actions: [
            queryFailed(),
            repostAfterEffect(),
            endEffect(),
          ] },
        },
        exit: [
          endEffect(),
        ],
        // TODO(semantics.dsm:68): DSM state QUERYING takes a hangup only under conditions; the review asks what it does.
        on: {
          'dtmf': [
            // the query is running: this event waits for it
            { guard: ({ context: c, event: e }) => c.busy, actions: defer() },
            // semantics.dsm:73
            {
              target: 'TOO_EARLY',
              reenter: true,
              description: 'a key too early',
            },
            // semantics.dsm:74
            {
              target: 'QUERIED',
              reenter: true,
              description: 'one row',
              guard: ({ context: c, event: e }) => cmp(v(c, 'db.rows'), '==', '1'),
              actions: oneRowActions,
            },
          ],
          'sip.hangup': [
            // semantics.dsm:74
            {
              target: 'QUERIED',
              reenter: true,
              description: 'one row',
              guard: ({ context: c, event: e }) => cmp(v(c, 'db.rows'), '==', '1'),
              actions: oneRowActions,
            },
          ],
          '*': [
            // the query is running: this event waits for it
            { guard: ({ context: c, event: e }) => c.busy && isDsmEvent(e) && e.type !== 'sip.hangup', actions: defer() },
            // semantics.dsm:74
            {
              target: 'QUERIED',
              reenter: true,
              description: 'one row',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'db.rows'), '==', '1'),
              actions: oneRowActions,
            },
          ],
        },
      },
      // semantics.dsm:75
      TOO_EARLY: {
        type: 'final',
      },
      // semantics.dsm:76
      QUERIED: {
        // TODO(semantics.dsm:76): DSM state QUERIED has no transition for a hangup; the review asks what it does.
        on: {
          'dtmf': [
            // semantics.dsm:77
            {
              target: 'KEY_AFTER',
              reenter: true,
              description: 'a key after the query',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'late': p(e, 'key') })),
              ],
            },
          ],
        },
      },
      // semantics.dsm:78
      KEY_AFTER: {
        type: 'final',
      },
      // semantics.dsm:80
      END: {
        type: 'final',
      },
    },
  }),
);
