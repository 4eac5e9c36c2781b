/**
 * subfsm_sub: imported from subfsm_sub.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup } from 'xstate';
import { flowConfig } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, p, v, type DsmContext, type DsmInput, type DsmExceptionEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

const { dsmLog, setVars } = dsmActions<DsmContext<AppConfig>, AppEvents>();

export const subfsmSubFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmExceptionEvent,
  },
}).createMachine(
  flowConfig({
    id: 'subfsm.subfsm_sub',
    initial: 'SUB',
    context: ({ input }) => dsmContext(input),
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
              target: 'SUB_END',
              reenter: true,
              description: 'return',
              guard: ({ context: c, event: e }) => cmp(p(e, 'key'), '==', '9'),
              actions: [
                setVars(({ context: c, event: e }) => ({ 'trace': v(c, 'trace') + 'returning;' })),
                dsmLog(0, () => 'returnFSM(): nothing to return to'),
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
  }),
);
