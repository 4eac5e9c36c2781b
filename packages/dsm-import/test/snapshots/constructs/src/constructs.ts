/**
 * constructs: imported from constructs.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { enqueueActions, setup, type AnyStateMachine } from 'xstate';
import { answer, flowConfig, flush, hangup, join, leave, play, progress, reply, sendToLeg } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, inc, isDsmEvent, legById, p, sel, unsupported, utils, v, type DsmContext, type DsmInput, type DsmExceptionEvent, type DsmTimerEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';
import { constructsBFlow } from './constructs_b.js';

const { clearVars, dialout, dsmLog, setVars, sharedActions } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** constructs.dsm:60 "not a hangup": its actions, in 6 transitions. */
const notAHangupActions = sharedActions(
  clearVars('x', 'struct'),
);

/** constructs.dsm:63 "an exception": its actions, in 2 transitions. */
const anExceptionActions = sharedActions(
  reply(500, 'Server Internal Error'),
);

export const constructsFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmExceptionEvent | DsmTimerEvent,
  },
}).createMachine(
  flowConfig({
    id: 'constructs.constructs',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    // TODO(constructs.dsm:52): DSM had no event for a dialled leg failing or ending (leg.failed, leg.ended); decide what this flow does.
    states: {
      // constructs.dsm:15
      START: {
        on: {
          'sip.invite': [
            // constructs.dsm:16
            {
              target: 'MENU',
              reenter: true,
              description: 'invite',
              actions: [
                progress(183),
                setVars(({ context: c, event: e }) => ({ 'prompt': `${c.config.prompt_path}/hello.wav` })),
                play(({ context: c, event: e }) => v(c, 'prompt')),
                setVars(({ context: c, event: e }) => ({ 'call_id': utils.newId() })),
                setVars(({ context: c, event: e }) => ({ 'dice': utils.rand('6') })),
                setVars(({ context: c, event: e }) => ({ 'total': '10' })),
                setVars(({ context: c, event: e }) => ({ 'total': utils.arith('add', v(c, 'total'), '2.5') })),
                setVars(({ context: c, event: e }) => ({ 'total': utils.arith('sub', v(c, 'total'), '0.5') })),
                setVars(({ context: c, event: e }) => ({ 'total': utils.arith('mul', v(c, 'total'), '3') })),
                setVars(({ context: c, event: e }) => ({ 'whole': utils.arith('int', v(c, 'whole'), '7.9') })),
                setVars(({ context: c, event: e }) => ({ 'hash': utils.md5('abc') })),
                setVars(({ context: c, event: e }) => ({ 'csv': 'a;b;c' })),
                setVars(({ context: c, event: e }) => ({ 'csv': utils.replace(v(c, 'csv'), ';', ',') })),
                setVars(({ context: c, event: e }) => utils.split('csv', v(c, 'csv'), ',')),
                setVars(() => utils.timestamp('now')),
              ],
            },
          ],
          'call.started': [
            // constructs.dsm:21
            {
              target: 'MENU',
              reenter: true,
              description: 'session',
            },
          ],
        },
      },
      // constructs.dsm:23
      MENU: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'count': '0' })),
        ],
        exit: [
          flush(),
        ],
        on: {
          'call.started': [
            // constructs.dsm:21
            {
              target: 'MENU',
              reenter: true,
              description: 'session',
            },
            // constructs.dsm:60
            {
              target: 'MENU',
              reenter: true,
              description: 'not a hangup',
              guard: ({ context: c, event: e }) => !((e.type as string) === 'sip.hangup') && cmp(v(c, 'x'), '==', 'y'),
              actions: notAHangupActions,
            },
          ],
          'dtmf': [
            // constructs.dsm:32
            {
              target: 'MENU',
              reenter: true,
              description: 'again',
              guard: ({ context: c, event: e }) => p(e, 'key') === '1',
              actions: [
                enqueueActions(({ context: c, event: e, enqueue }) => { if (cmp(v(c, 'count'), '<', '3')) { enqueue(setVars(({ context: c, event: e }) => ({ 'count': inc(v(c, 'count')) }))); enqueue(play(({ context: c, event: e }) => '$(config.prompt_path)/again.wav', { loop: true })); } else { enqueue(dsmLog(1, ({ context: c, event: e }) => 'too many')); enqueue(dsmLog(2, ({ context: c, event: e }) => `count ${v(c, 'count')} from ${sel(c, 'user')}`)); } }),
              ],
            },
            // constructs.dsm:41
            {
              target: 'ROOM',
              reenter: true,
              description: 'conference',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '2'),
              actions: [
                flush(),
                answer(),
                join(({ context: c, event: e }) => c.config.room),
              ],
            },
            // constructs.dsm:46
            {
              target: 'MENU',
              reenter: true,
              description: 'dial the operator',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '3'),
              actions: [
                setVars(({ context: c, event: e }) => ({ 'b_caller': 'ivr' })),
                setVars(({ context: c, event: e }) => ({ 'b_callee': c.config.operator })),
                setVars(({ context: c, event: e }) => ({ 'b_domain': c.config.domain })),
                setVars(({ context: c, event: e }) => ({ 'b_app': 'constructs_b' })),
                setVars(({ context: c, event: e }) => ({ 'b_var.from_ltag': sel(c, 'local_tag') })),
                dialout('b', { 'constructs_b': (): AnyStateMachine => constructsBFlow }),
                setVars(({ context: c, event: e }) => ({ 'legs[0]': `${v(c, 'b_ltag')}` })),
              ],
            },
            // constructs.dsm:55
            {
              target: 'MENU',
              reenter: true,
              description: 'modules we do not have',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '4'),
              actions: [
                unsupported('utils.playCountRight', 'constructs.dsm:56'),
                unsupported('sys.mkdir', 'constructs.dsm:57'),
                unsupported('jumpFSM', 'constructs.dsm:58'),
              ],
            },
            // constructs.dsm:60
            {
              target: 'MENU',
              reenter: true,
              description: 'not a hangup',
              guard: ({ context: c, event: e }) => !((e.type as string) === 'sip.hangup') && cmp(v(c, 'x'), '==', 'y'),
              actions: notAHangupActions,
            },
          ],
          'dsm.cmd': [
            // constructs.dsm:60
            {
              target: 'MENU',
              reenter: true,
              description: 'not a hangup',
              guard: ({ context: c, event: e }) => !((e.type as string) === 'sip.hangup') && cmp(v(c, 'x'), '==', 'y'),
              actions: notAHangupActions,
            },
            // constructs.dsm:61
            {
              target: 'END',
              reenter: true,
              description: 'a message',
              guard: ({ context: c, event: e }) => cmp(p(e, 'cmd'), '==', 'stop'),
              actions: [
                hangup(),
              ],
            },
          ],
          'sip.hangup': [
            // constructs.dsm:60
            {
              target: 'MENU',
              reenter: true,
              description: 'not a hangup',
              guard: ({ context: c, event: e }) => !((e.type as string) === 'sip.hangup') && cmp(v(c, 'x'), '==', 'y'),
              actions: notAHangupActions,
            },
            // constructs.dsm:62
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
            },
          ],
          'error': [
            // constructs.dsm:63
            {
              target: 'END',
              reenter: true,
              description: 'an exception',
              actions: anExceptionActions,
            },
          ],
          'dsm.exception': [
            // constructs.dsm:63
            {
              target: 'END',
              reenter: true,
              description: 'an exception',
              actions: anExceptionActions,
            },
          ],
          'dsm.timer': [
            // constructs.dsm:60
            {
              target: 'MENU',
              reenter: true,
              description: 'not a hangup',
              guard: ({ context: c, event: e }) => !((e.type as string) === 'sip.hangup') && cmp(v(c, 'x'), '==', 'y'),
              actions: notAHangupActions,
            },
            // constructs.dsm:64
            {
              target: 'END',
              reenter: true,
              description: 'a timer',
              guard: ({ context: c, event: e }) => cmp(p(e, 'id'), '==', '1'),
            },
          ],
          '*': [
            // constructs.dsm:60
            {
              target: 'MENU',
              reenter: true,
              description: 'not a hangup',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && !((e.type as string) === 'sip.hangup') && cmp(v(c, 'x'), '==', 'y'),
              actions: notAHangupActions,
            },
          ],
        },
      },
      // constructs.dsm:66
      ROOM: {
        on: {
          'sip.hangup': [
            // constructs.dsm:62
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
            },
          ],
          'dtmf': [
            // constructs.dsm:67
            {
              target: 'MENU',
              reenter: true,
              description: 'leave',
              actions: [
                leave(),
                setVars(({ context: c, event: e }) => ({ 'cmd': 'stop' })),
                sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'legs[0]')), ({ context: c, event: e }) => ({ type: 'dsm.cmd', params: { 'cmd': v(c, 'cmd') } })),
              ],
            },
          ],
        },
      },
      // constructs.dsm:73
      END: {
        type: 'final',
      },
    },
  }),
);
