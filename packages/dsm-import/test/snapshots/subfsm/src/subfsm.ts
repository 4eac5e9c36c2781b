/**
 * subfsm: imported from subfsm.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { flowConfig } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, p, returnsTo, sel, v, type DsmContext, type DsmInput, type DsmExceptionEvent, type DsmFsmEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

const { popReturn, pushReturn, setVars, sharedActions, skipOnReturn, switchFsm } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** subfsm_sub.dsm:3 "return": its actions, in 2 transitions. */
const returnActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'returning;' })),
  popReturn(),
  setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'after-return;' })),
);

export const subfsmFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmExceptionEvent | DsmFsmEvent,
  },
}).createMachine(
  flowConfig({
    id: 'subfsm.subfsm',
    initial: 'FSM_subfsm',
    context: ({ input }) => dsmContext(input),
    on: {
      'dsm.fsm': [
        // subfsm.dsm:35
        {
          target: '#FSM_subfsm_sub',
          reenter: true,
          description: 'callFSM(subfsm_sub)',
          guard: ({ event: e }) => e.params.kind === 'call' && e.params.site === 'subfsm.ENTER_CALLER.35',
          actions: pushReturn('subfsm.ENTER_CALLER.35'),
        },
      ],
    },
    states: {
      // diagram subfsm (subfsm.dsm)
      FSM_subfsm: {
        id: 'FSM_subfsm',
        initial: 'START',
        onDone: { target: 'FSM_DONE', description: 'subfsm ended' },
        on: { 'sip.hangup': { target: 'FSM_DONE', description: 'hangup no state takes' } },
        states: {
          // subfsm.dsm:5
          START: {
            on: {
              'sip.invite': [
                // subfsm.dsm:6
                {
                  target: 'CALLER',
                  reenter: true,
                  description: 'go call',
                  guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'call'),
                },
                // subfsm.dsm:7
                {
                  target: 'JUMPER',
                  reenter: true,
                  description: 'go jump',
                  guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'jump'),
                },
                // subfsm.dsm:8
                {
                  target: 'ENTER_CALLER',
                  reenter: true,
                  description: 'go enter call',
                  guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'entercall'),
                },
              ],
            },
          },
          // subfsm.dsm:13
          CALLER: {
            entry: [
              skipOnReturn([
                setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'caller-enter;' })),
              ]),
            ],
            exit: [
              setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'caller-exit;' })),
            ],
            on: {
              'dtmf': [
                // subfsm.dsm:16
                {
                  target: '#FSM_subfsm_sub',
                  reenter: true,
                  description: 'call sub',
                  guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '1'),
                  actions: [
                    setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'before;' })),
                    pushReturn('subfsm.CALLER.18'),
                  ],
                },
                // subfsm.dsm:21
                {
                  target: 'CALLED_BACK',
                  reenter: true,
                  description: 'back in caller',
                  guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '2'),
                },
              ],
              'sip.hangup': [
                // subfsm.dsm:39
                {
                  target: 'END',
                  reenter: true,
                  description: 'hangup',
                },
              ],
            },
          },
          // subfsm.dsm:22
          CALLED_BACK: {
            on: {
              'sip.hangup': [
                // subfsm.dsm:39
                {
                  target: 'END',
                  reenter: true,
                  description: 'hangup',
                },
              ],
              'dtmf': [
                // subfsm.dsm:40
                {
                  target: 'END',
                  reenter: true,
                  description: 'done',
                },
              ],
            },
          },
          // subfsm.dsm:25
          JUMPER: {
            on: {
              'dtmf': [
                // subfsm.dsm:26
                {
                  target: '#FSM_subfsm_menu',
                  reenter: true,
                  description: 'jump',
                  actions: [
                    setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'before;' })),
                  ],
                },
              ],
              'sip.hangup': [
                // subfsm.dsm:39
                {
                  target: 'END',
                  reenter: true,
                  description: 'hangup',
                },
              ],
            },
          },
          // subfsm.dsm:33
          ENTER_CALLER: {
            entry: [
              skipOnReturn([
                setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'enter;' })),
                switchFsm('call', 'subfsm_sub', 'subfsm.ENTER_CALLER.35'),
              ]),
            ],
            on: {
              'dtmf': [
                // subfsm.dsm:21
                {
                  target: 'CALLED_BACK',
                  reenter: true,
                  description: 'back in caller',
                  guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '2'),
                },
              ],
              'sip.hangup': [
                // subfsm.dsm:39
                {
                  target: 'END',
                  reenter: true,
                  description: 'hangup',
                },
              ],
            },
          },
          // subfsm.dsm:42
          END: {
            type: 'final',
          },
        },
      },
      // diagram subfsm_sub (subfsm_sub.dsm)
      FSM_subfsm_sub: {
        id: 'FSM_subfsm_sub',
        initial: 'SUB',
        onDone: { target: 'FSM_DONE', description: 'subfsm_sub ended' },
        on: { 'sip.hangup': { target: 'FSM_DONE', description: 'hangup no state takes' } },
        states: {
          // subfsm_sub.dsm:2
          SUB: {
            entry: [
              setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'sub-enter;' })),
            ],
            on: {
              'dtmf': [
                // subfsm_sub.dsm:3
                {
                  target: '#FSM_subfsm.CALLER',
                  reenter: true,
                  description: 'return',
                  guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '9') && returnsTo(c, 'subfsm.CALLER.18'),
                  actions: returnActions,
                },
                // subfsm_sub.dsm:3
                {
                  target: '#FSM_subfsm.ENTER_CALLER',
                  reenter: true,
                  description: 'return',
                  guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '9') && returnsTo(c, 'subfsm.ENTER_CALLER.35'),
                  actions: returnActions,
                },
                // subfsm_sub.dsm:3
                {
                  target: 'SUB_END',
                  reenter: true,
                  description: 'return',
                  guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '9'),
                  actions: [
                    setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'returning;' })),
                    setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'not-after-return;' })),
                  ],
                },
              ],
              'sip.hangup': [
                // subfsm_sub.dsm:8
                {
                  target: 'SUB_END',
                  reenter: true,
                  description: 'hangup in sub',
                },
              ],
              'error': [
                // subfsm_sub.dsm:9
                {
                  target: 'SUB_END',
                  reenter: true,
                  description: 'exception in sub',
                },
              ],
              'dsm.exception': [
                // subfsm_sub.dsm:9
                {
                  target: 'SUB_END',
                  reenter: true,
                  description: 'exception in sub',
                },
              ],
            },
          },
          // subfsm_sub.dsm:10
          SUB_END: {
            type: 'final',
          },
        },
      },
      // diagram subfsm_menu (subfsm_menu.dsm)
      FSM_subfsm_menu: {
        id: 'FSM_subfsm_menu',
        initial: 'MENU',
        onDone: { target: 'FSM_DONE', description: 'subfsm_menu ended' },
        on: { 'sip.hangup': { target: 'FSM_DONE', description: 'hangup no state takes' } },
        states: {
          // subfsm_menu.dsm:2
          MENU: {
            entry: [
              setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'menu-enter;' })),
            ],
            on: {
              'dtmf': [
                // subfsm_menu.dsm:3
                {
                  target: 'MENU_DONE',
                  reenter: true,
                  description: 'menu key',
                },
              ],
              'sip.hangup': [
                // subfsm_menu.dsm:4
                {
                  target: 'MENU_DONE',
                  reenter: true,
                  description: 'hangup in menu',
                },
              ],
              'error': [
                // subfsm_menu.dsm:5
                {
                  target: 'MENU_DONE',
                  reenter: true,
                  description: 'exception in menu',
                },
              ],
              'dsm.exception': [
                // subfsm_menu.dsm:5
                {
                  target: 'MENU_DONE',
                  reenter: true,
                  description: 'exception in menu',
                },
              ],
            },
          },
          // subfsm_menu.dsm:6
          MENU_DONE: {
            type: 'final',
          },
        },
      },
      FSM_DONE: { type: 'final' },
    },
  }),
);
