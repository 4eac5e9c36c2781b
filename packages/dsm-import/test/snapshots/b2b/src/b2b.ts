/**
 * b2b: imported from b2b.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup, type AnyStateMachine } from 'xstate';
import { flowConfig, hangup } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, otherLegWasUp, p, type DsmContext, type DsmInput } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';
import { b2bCalleeFlow } from './b2b_callee.js';

const { b2bConnect, b2bHeaders, b2bTerminateOther, setVars, sharedActions } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** b2b.dsm:18 "ringing": its actions, in 3 transitions. */
const ringingActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'rang': p(e, 'code') })),
);

/** b2b.dsm:20 "other refused": its actions, in 3 transitions. */
const otherRefusedActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'why': p(e, 'code') })),
);

/** b2b.dsm:21 "hangup": its actions, in 2 transitions. */
const hangupActions = sharedActions(
  hangup(),
);

export const b2bFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents,
  },
}).createMachine(
  flowConfig({
    id: 'b2b.b2b',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    states: {
      // b2b.dsm:4
      START: {
        on: {
          'call.started': [
            // b2b.dsm:5
            {
              target: 'CALLING',
              reenter: true,
              description: 'answered',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'b2b_local_party': 'Alice <sip:alice@example.org>' })),
                setVars(({ context: c, event: e }) => ({ 'b2b_auth_user': 'alice' })),
                setVars(({ context: c, event: e }) => ({ 'b2b_auth_pwd': 'secret' })),
                b2bHeaders('add', ({ context: c, event: e }) => 'X-Test: one'),
                b2bHeaders('set', ({ context: c, event: e }) => 'X-A: a\\r\\nX-B: b'),
                b2bHeaders('add', ({ context: c, event: e }) => 'X-C: c'),
                b2bHeaders('remove', ({ context: c, event: e }) => 'X-B'),
                b2bConnect(({ context: c, event: e }) => '<sip:bob@example.org>', ({ context: c, event: e }) => 'sip:bob@127.0.0.1:5099', (): AnyStateMachine => b2bCalleeFlow),
              ],
            },
          ],
          'sip.hangup': [
            // b2b.dsm:15
            {
              target: 'END',
              reenter: true,
              description: 'hangup before',
            },
          ],
        },
      },
      // b2b.dsm:17
      CALLING: {
        on: {
          'leg.ringing': [
            // b2b.dsm:18
            {
              target: 'CALLING',
              reenter: true,
              description: 'ringing',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '<', '200'),
              actions: ringingActions,
            },
            // b2b.dsm:19
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'other answered',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '==', '200'),
            },
            // b2b.dsm:20
            {
              target: 'FAILED',
              reenter: true,
              description: 'other refused',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '>=', '300'),
              actions: otherRefusedActions,
            },
          ],
          'leg.answered': [
            // b2b.dsm:18
            {
              target: 'CALLING',
              reenter: true,
              description: 'ringing',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '<', '200'),
              actions: ringingActions,
            },
            // b2b.dsm:19
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'other answered',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '==', '200'),
            },
            // b2b.dsm:20
            {
              target: 'FAILED',
              reenter: true,
              description: 'other refused',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '>=', '300'),
              actions: otherRefusedActions,
            },
          ],
          'leg.failed': [
            // b2b.dsm:18
            {
              target: 'CALLING',
              reenter: true,
              description: 'ringing',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '<', '200'),
              actions: ringingActions,
            },
            // b2b.dsm:19
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'other answered',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '==', '200'),
            },
            // b2b.dsm:20
            {
              target: 'FAILED',
              reenter: true,
              description: 'other refused',
              guard: ({ context: c, event: e }) => cmp(p(e, 'code'), '>=', '300'),
              actions: otherRefusedActions,
            },
          ],
          'sip.hangup': [
            // b2b.dsm:21
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
              actions: hangupActions,
            },
          ],
        },
      },
      // b2b.dsm:23
      CONNECTED: {
        on: {
          'sip.hangup': [
            // b2b.dsm:21
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
              actions: hangupActions,
            },
          ],
          'leg.ended': [
            // b2b.dsm:24
            {
              target: 'END',
              reenter: true,
              description: 'other hung up',
              guard: ({ context: c, event: e }) => otherLegWasUp(e),
              actions: [
                hangup(),
              ],
            },
          ],
          'dtmf': [
            // b2b.dsm:25
            {
              target: 'DROPPED',
              reenter: true,
              description: 'drop the other leg',
              guard: ({ context: c, event: e }) => p(e, 'key') === '1',
              actions: [
                b2bHeaders('clear', () => ''),
                b2bTerminateOther(),
              ],
            },
          ],
        },
      },
      // b2b.dsm:27
      DROPPED: {
        on: {
          'sip.hangup': [
            // b2b.dsm:28
            {
              target: 'END',
              reenter: true,
              description: 'hangup in dropped',
            },
          ],
          'leg.ended': [
            // b2b.dsm:29
            {
              target: 'END',
              reenter: true,
              description: 'dropped leg ended',
              guard: ({ context: c, event: e }) => otherLegWasUp(e),
            },
          ],
        },
      },
      // b2b.dsm:31
      FAILED: {
        on: {
          'leg.ended': [
            // b2b.dsm:33
            {
              target: 'END',
              reenter: true,
              description: 'failed leg said bye',
              guard: ({ context: c, event: e }) => otherLegWasUp(e),
            },
          ],
          'sip.hangup': [
            // b2b.dsm:34
            {
              target: 'END',
              reenter: true,
              description: 'hangup in failed',
              actions: [
                hangup(),
              ],
            },
          ],
        },
      },
      // b2b.dsm:35
      END: {
        type: 'final',
      },
    },
  }),
);
