/**
 * constructs_b: imported from constructs_b.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { effect, flowConfig, hangup, play, sendToLeg, type EffectArgs } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, isDsmEvent, legById, unsupported, v, type DsmContext, type DsmInput } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppServices } from './lookups.js';
import type { AppEvents } from './messages.js';

const { beginEffect, defer, dsmLog, endEffect, getResult, queryFailed, repostAfterEffect, setVars, sharedActions, storeRows } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** constructs_b.dsm:13 "failed": its actions, in 2 transitions. */
const failedActions = sharedActions(
  hangup(),
);

/** constructs_b.dsm:14 "found": its actions, in 2 transitions. */
const foundActions = sharedActions(
  getResult(({ context: c, event: e }) => '0'),
  play(({ context: c, event: e }) => v(c, 'greeting')),
  setVars(({ context: c, event: e }) => ({ 'cmd': 'stop' })),
  sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'from_ltag')), ({ context: c, event: e }) => ({ type: 'dsm.cmd', params: { 'cmd': v(c, 'cmd') } })),
);

/** constructs_b.dsm:20 "nobody": its actions, in 2 transitions. */
const nobodyActions = sharedActions(
  unsupported('callFSM', 'constructs_b.dsm:20'),
);

export const constructsBFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents,
  },
  actors: {
    'constructs_b_10': effect(async ({ input, services }: EffectArgs<Parameters<AppServices['resources']['constructs_b_10']>[0], AppServices>) =>
      services.resources.constructs_b_10(input),
    ),
  },
}).createMachine(
  flowConfig({
    id: 'constructs.constructs_b',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    states: {
      // constructs_b.dsm:5
      START: {
        on: {
          'call.started': [
            // constructs_b.dsm:6
            {
              target: 'LOOKUP',
              reenter: true,
              description: 'answered',
            },
          ],
          'sip.hangup': [
            // constructs_b.dsm:7
            {
              target: 'END',
              reenter: true,
              description: 'hangup before',
            },
          ],
        },
      },
      // constructs_b.dsm:9
      LOOKUP: {
        entry: [
          beginEffect(),
        ],
        // constructs_b.dsm:10: mysql.query(select name, greeting from operators where ltag=?)
        invoke: {
          src: 'constructs_b_10',
          input: ({ context: c }) => ({ 'from_ltag': v(c, 'from_ltag') }),
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
        on: {
          'sip.hangup': [
            // constructs_b.dsm:13
            {
              target: 'END',
              reenter: true,
              description: 'failed',
              guard: ({ context: c, event: e }) => cmp(v(c, 'errno'), '!=', ''),
              actions: failedActions,
            },
            // constructs_b.dsm:14
            {
              target: 'TALK',
              reenter: true,
              description: 'found',
              guard: ({ context: c, event: e }) => cmp(v(c, 'db.rows'), '>', '0'),
              actions: foundActions,
            },
            // constructs_b.dsm:20
            {
              target: 'END',
              reenter: true,
              description: 'nobody',
              guard: ({ context: c, event: e }) => cmp(v(c, 'db.rows'), '==', '0'),
              actions: nobodyActions,
            },
            // constructs_b.dsm:21
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
            },
          ],
          '*': [
            // the query is running: this event waits for it
            { guard: ({ context: c, event: e }) => c.busy && isDsmEvent(e) && e.type !== 'sip.hangup', actions: defer() },
            // constructs_b.dsm:13
            {
              target: 'END',
              reenter: true,
              description: 'failed',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'errno'), '!=', ''),
              actions: failedActions,
            },
            // constructs_b.dsm:14
            {
              target: 'TALK',
              reenter: true,
              description: 'found',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'db.rows'), '>', '0'),
              actions: foundActions,
            },
            // constructs_b.dsm:20
            {
              target: 'END',
              reenter: true,
              description: 'nobody',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'db.rows'), '==', '0'),
              actions: nobodyActions,
            },
          ],
        },
      },
      // constructs_b.dsm:23
      TALK: {
        on: {
          'playlist.ended': [
            // constructs_b.dsm:24
            {
              target: 'END',
              reenter: true,
              description: 'done',
              actions: [
                dsmLog(0, () => 'returnFSM(): nothing to return to'),
              ],
            },
          ],
          'sip.hangup': [
            // constructs_b.dsm:25
            {
              target: 'END',
              reenter: true,
              description: 'bye',
            },
          ],
        },
      },
      // constructs_b.dsm:27
      END: {
        type: 'final',
      },
    },
  }),
);
