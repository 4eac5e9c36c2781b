/**
 * quizconnect_callee: imported from quizconnect_callee.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { flowConfig, flush, hangup, join, play, sendToLeg } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, isDsmEvent, legById, p, sel, v, type DsmContext, type DsmInput } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

const { dsmLog, repost, setVars, sharedActions } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** quizconnect_callee.dsm:20 "got cancel from A leg": its actions, in 3 transitions. */
const gotCancelFromALegActions = sharedActions(
  hangup(),
);

/** quizconnect_callee.dsm:40 "pin doesn't match": its actions, in 2 transitions. */
const pinDoesntMatchActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'entered_pin': undefined })),
  setVars(({ context: c, event: e }) => ({ 'prompt_name': `${c.config.prompt_path}/sorry_pin_wrong.wav` })),
  play(({ context: c, event: e }) => v(c, 'prompt_name')),
);

export const quizconnectCalleeFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents,
  },
}).createMachine(
  flowConfig({
    id: 'quizconnect.quizconnect_callee',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    states: {
      // quizconnect_callee.dsm:6
      START: {
        on: {
          'sip.invite': [
            // quizconnect_callee.dsm:7
            {
              target: 'RUN_INVITE',
              reenter: true,
              description: 'got INVITE in callee leg',
            },
          ],
          'call.started': [
            // quizconnect_callee.dsm:8
            {
              target: 'ENTER_PIN',
              reenter: true,
              description: 'session starts in callee leg',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'prompt_name': `${c.config.prompt_path}/welcome_callee.wav` })),
                play(({ context: c, event: e }) => v(c, 'prompt_name')),
              ],
            },
          ],
          'dsm.a_status': [
            // quizconnect_callee.dsm:20
            {
              target: 'END',
              reenter: true,
              description: 'got cancel from A leg',
              guard: ({ context: c, event: e }) => cmp(p(e, 'a_status'), '==', 'CANCEL'),
              actions: gotCancelFromALegActions,
            },
          ],
        },
      },
      // quizconnect_callee.dsm:13
      RUN_INVITE: {
        entry: [
          dsmLog(3, () => 'logAll'),
        ],
        // TODO(quizconnect_callee.dsm:13): DSM state RUN_INVITE has no transition for a hangup; the review asks what it does.
        on: {
          'dsm.a_status': [
            // quizconnect_callee.dsm:20
            {
              target: 'END',
              reenter: true,
              description: 'got cancel from A leg',
              guard: ({ context: c, event: e }) => cmp(p(e, 'a_status'), '==', 'CANCEL'),
              actions: gotCancelFromALegActions,
            },
          ],
        },
      },
      // quizconnect_callee.dsm:18
      ENTER_PIN: {
        // TODO(quizconnect_callee.dsm:18): DSM state ENTER_PIN has no transition for a hangup; the review asks what it does.
        on: {
          'dsm.a_status': [
            // quizconnect_callee.dsm:20
            {
              target: 'END',
              reenter: true,
              description: 'got cancel from A leg',
              guard: ({ context: c, event: e }) => cmp(p(e, 'a_status'), '==', 'CANCEL'),
              actions: gotCancelFromALegActions,
            },
          ],
          'dtmf': [
            // quizconnect_callee.dsm:22
            {
              target: 'TEST_PIN',
              reenter: true,
              description: 'pressed a number',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '<', '10'),
              actions: [
                flush(),
                setVars(({ context: c, event: e }) => ({ 'entered_pin': v(c, 'entered_pin') + p(e, 'key') })),
              ],
            },
            // quizconnect_callee.dsm:26
            {
              target: 'TEST_PIN_FINAL',
              reenter: true,
              description: 'pressed hash or star',
              actions: [
                flush(),
              ],
            },
          ],
        },
      },
      // quizconnect_callee.dsm:28
      TEST_PIN: {
        entry: [
          repost(),
        ],
        // TODO(quizconnect_callee.dsm:28): DSM state TEST_PIN takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // quizconnect_callee.dsm:32
            {
              target: 'MATCHING_PIN',
              reenter: true,
              description: 'pin matches',
              guard: ({ context: c, event: e }) => cmp(v(c, 'pin'), '==', v(c, 'entered_pin')),
            },
            // quizconnect_callee.dsm:33
            {
              target: 'ENTER_PIN',
              reenter: true,
              description: 'pin doesn\'t match',
              guard: ({ context: c, event: e }) => cmp(v(c, 'pin'), '!=', v(c, 'entered_pin')),
            },
          ],
          '*': [
            // quizconnect_callee.dsm:32
            {
              target: 'MATCHING_PIN',
              reenter: true,
              description: 'pin matches',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'pin'), '==', v(c, 'entered_pin')),
            },
            // quizconnect_callee.dsm:33
            {
              target: 'ENTER_PIN',
              reenter: true,
              description: 'pin doesn\'t match',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'pin'), '!=', v(c, 'entered_pin')),
            },
          ],
        },
      },
      // quizconnect_callee.dsm:35
      TEST_PIN_FINAL: {
        entry: [
          repost(),
        ],
        // TODO(quizconnect_callee.dsm:35): DSM state TEST_PIN_FINAL takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // quizconnect_callee.dsm:39
            {
              target: 'MATCHING_PIN',
              reenter: true,
              description: 'pin matches',
              guard: ({ context: c, event: e }) => cmp(v(c, 'pin'), '==', v(c, 'entered_pin')),
            },
            // quizconnect_callee.dsm:40
            {
              target: 'ENTER_PIN',
              reenter: true,
              description: 'pin doesn\'t match',
              guard: ({ context: c, event: e }) => cmp(v(c, 'pin'), '!=', v(c, 'entered_pin')),
              actions: pinDoesntMatchActions,
            },
          ],
          '*': [
            // quizconnect_callee.dsm:39
            {
              target: 'MATCHING_PIN',
              reenter: true,
              description: 'pin matches',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'pin'), '==', v(c, 'entered_pin')),
            },
            // quizconnect_callee.dsm:40
            {
              target: 'ENTER_PIN',
              reenter: true,
              description: 'pin doesn\'t match',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'pin'), '!=', v(c, 'entered_pin')),
              actions: pinDoesntMatchActions,
            },
          ],
        },
      },
      // quizconnect_callee.dsm:46
      MATCHING_PIN: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'b_status': 'MATCHED' })),
          setVars(({ context: c, event: e }) => ({ 'b_ltag': sel(c, 'local_tag') })),
          sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'a_ltag')), ({ context: c, event: e }) => ({ type: 'dsm.b_status.b_ltag', params: { 'b_status': v(c, 'b_status'), 'b_ltag': v(c, 'b_ltag') } })),
          join(({ context: c, event: e }) => v(c, 'a_ltag')),
          repost(),
        ],
        on: {
          'sip.hangup': [
            // quizconnect_callee.dsm:54
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'ok, connected',
            },
          ],
          '*': [
            // quizconnect_callee.dsm:54
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'ok, connected',
              guard: ({ context: c, event: e }) => isDsmEvent(e),
            },
          ],
        },
      },
      // quizconnect_callee.dsm:56
      CONNECTED: {
        on: {
          'sip.hangup': [
            // quizconnect_callee.dsm:58
            {
              target: 'END',
              reenter: true,
              description: 'BYE received',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'b_status': 'BYE' })),
                sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'a_ltag')), ({ context: c, event: e }) => ({ type: 'dsm.b_status', params: { 'b_status': v(c, 'b_status') } })),
              ],
            },
          ],
          'dsm.a_status': [
            // quizconnect_callee.dsm:64
            {
              target: 'END',
              reenter: true,
              description: 'BYE in other leg',
              guard: ({ context: c, event: e }) => cmp(p(e, 'a_status'), '==', 'BYE'),
              actions: [
                hangup(),
              ],
            },
          ],
        },
      },
      // quizconnect_callee.dsm:68
      END: {
        type: 'final',
      },
    },
  }),
);
