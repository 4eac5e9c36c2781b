/**
 * subfsm_menu: imported from subfsm_menu.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { flowConfig } from '@sipflow/runtime/flow';
import { dsmActions, dsmContext, v, type DsmContext, type DsmInput, type DsmExceptionEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

const { setVars } = dsmActions<DsmContext<AppConfig>, AppEvents>();

export const subfsmMenuFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmExceptionEvent,
  },
}).createMachine(
  flowConfig({
    id: 'subfsm.subfsm_menu',
    initial: 'MENU',
    context: ({ input }) => dsmContext(input),
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
  }),
);
