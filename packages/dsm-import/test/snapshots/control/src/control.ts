/**
 * control: imported from control.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { enqueueActions, setup } from 'xstate';
import { flowConfig } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, isDsmEvent, p, sel, v, type DsmContext, type DsmInput, type DsmTimerEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

const { breakLoop, forLoop, removeTimer, removeTimers, setTimer, setVars } = dsmActions<DsmContext<AppConfig>, AppEvents>();

export const controlFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmTimerEvent,
  },
}).createMachine(
  flowConfig({
    id: 'control.control',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    states: {
      // control.dsm:5
      START: {
        on: {
          'sip.invite': [
            // control.dsm:6
            {
              target: 'TIMERS',
              reenter: true,
              description: 'go timers',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'timers'),
            },
            // control.dsm:7
            {
              target: 'REMOVE_ALL',
              reenter: true,
              description: 'go remove all',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'removeall'),
            },
            // control.dsm:8
            {
              target: 'BAD_TIMER',
              reenter: true,
              description: 'go bad timer',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'badtimer'),
            },
            // control.dsm:9
            {
              target: 'LOOPS',
              reenter: true,
              description: 'go loops',
              guard: ({ context: c, event: e }) => cmp(sel(c, 'user'), '==', 'loops'),
            },
          ],
        },
      },
      // control.dsm:12
      TIMERS: {
        entry: [
          setTimer(({ context: c, event: e }) => '1', ({ context: c, event: e }) => '0'),
          setTimer(({ context: c, event: e }) => '2', ({ context: c, event: e }) => '0'),
          removeTimer(({ context: c, event: e }) => '1'),
        ],
        on: {
          'dtmf': [
            // control.dsm:17
            {
              target: 'TIMER_WAIT',
              reenter: true,
              description: 'a key before the timers',
            },
          ],
          'sip.hangup': [
            // control.dsm:83
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
            },
          ],
        },
      },
      // control.dsm:18
      TIMER_WAIT: {
        on: {
          'dsm.timer': [
            // control.dsm:19
            {
              target: 'WRONG',
              reenter: true,
              description: 'timer 1 fired',
              guard: ({ context: c, event: e }) => cmp(p(e, 'id'), '==', '1'),
            },
            // control.dsm:20
            {
              target: 'TIMER_TWO',
              reenter: true,
              description: 'timer 2 fired',
              guard: ({ context: c, event: e }) => cmp(p(e, 'id'), '==', '2'),
            },
          ],
          'sip.hangup': [
            // control.dsm:21
            {
              target: 'END',
              reenter: true,
              description: 'hangup in timer wait',
            },
          ],
        },
      },
      // control.dsm:22
      TIMER_TWO: {
        type: 'final',
      },
      // control.dsm:25
      REMOVE_ALL: {
        entry: [
          setTimer(({ context: c, event: e }) => '3', ({ context: c, event: e }) => '0'),
          setTimer(({ context: c, event: e }) => '4', ({ context: c, event: e }) => '0'),
          removeTimers(),
          setTimer(({ context: c, event: e }) => '5', ({ context: c, event: e }) => '0'),
        ],
        on: {
          'dsm.timer': [
            // control.dsm:31
            {
              target: 'WRONG',
              reenter: true,
              description: 'timer 3 or 4 fired',
              guard: ({ context: c, event: e }) => cmp(p(e, 'id'), '<', '5'),
            },
            // control.dsm:32
            {
              target: 'TIMER_FIVE',
              reenter: true,
              description: 'timer 5 fired',
              guard: ({ context: c, event: e }) => cmp(p(e, 'id'), '==', '5'),
            },
          ],
          'sip.hangup': [
            // control.dsm:33
            {
              target: 'END',
              reenter: true,
              description: 'hangup in remove all',
            },
          ],
        },
      },
      // control.dsm:34
      TIMER_FIVE: {
        type: 'final',
      },
      // control.dsm:37
      BAD_TIMER: {
        entry: [
          setTimer(({ context: c, event: e }) => 'soon', ({ context: c, event: e }) => '0'),
        ],
        on: {
          'sip.hangup': [
            // control.dsm:40
            {
              target: 'BAD_TIMER_SEEN',
              reenter: true,
              description: 'errno set',
              guard: ({ context: c, event: e }) => cmp(v(c, 'errno'), '==', '2'),
            },
            // control.dsm:83
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
            },
          ],
          '*': [
            // control.dsm:40
            {
              target: 'BAD_TIMER_SEEN',
              reenter: true,
              description: 'errno set',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'errno'), '==', '2'),
            },
          ],
        },
      },
      // control.dsm:41
      BAD_TIMER_SEEN: {
        type: 'final',
      },
      // control.dsm:45
      LOOPS: {
        entry: [
          setVars(({ context: c, event: e }) => ({ 'arr[0]': 'a' })),
          setVars(({ context: c, event: e }) => ({ 'arr[1]': 'b' })),
          setVars(({ context: c, event: e }) => ({ 'arr[2]': 'c' })),
          setVars(({ context: c, event: e }) => ({ 'i': 'keep' })),
          forLoop(({ context: c, event: e }) => ({ kind: 'range', counter: 'i', from: '0', to: '4' }), [
            setVars(({ context: c, event: e }) => ({ 'range': v(c, 'range') + v(c, 'i') })),
          ]),
          forLoop(({ context: c, event: e }) => ({ kind: 'range', counter: 'x', from: '3', to: '0' }), [
            setVars(({ context: c, event: e }) => ({ 'down': v(c, 'down') + v(c, 'x') })),
          ]),
          forLoop(({ context: c, event: e }) => ({ kind: 'array', counter: 'x', array: 'arr' }), [
            enqueueActions(({ context: c, event: e, enqueue }) => { if (cmp(v(c, 'x'), '==', 'c')) { enqueue(breakLoop()); } else {  } }),
            setVars(({ context: c, event: e }) => ({ 'items': v(c, 'items') + v(c, 'x') })),
          ]),
          setVars(({ context: c, event: e }) => ({ 's.one': '1' })),
          setVars(({ context: c, event: e }) => ({ 's.two': '2' })),
          forLoop(({ context: c, event: e }) => ({ kind: 'struct', key: 'k', value: 'v', struct: 's' }), [
            setVars(({ context: c, event: e }) => ({ 'pairs': v(c, 'pairs') + v(c, 'k') })),
            setVars(({ context: c, event: e }) => ({ 'pairs': v(c, 'pairs') + '=' })),
            setVars(({ context: c, event: e }) => ({ 'pairs': v(c, 'pairs') + v(c, 'v') })),
            setVars(({ context: c, event: e }) => ({ 'pairs': v(c, 'pairs') + ';' })),
          ]),
          forLoop(({ context: c, event: e }) => ({ kind: 'range', counter: 'i', from: '0', to: '3' }), [
            forLoop(({ context: c, event: e }) => ({ kind: 'range', counter: 'j', from: '0', to: '3' }), [
              enqueueActions(({ context: c, event: e, enqueue }) => { if (cmp(v(c, 'j'), '==', '1')) { enqueue(breakLoop()); } else {  } }),
              setVars(({ context: c, event: e }) => ({ 'nested': v(c, 'nested') + v(c, 'i') })),
              setVars(({ context: c, event: e }) => ({ 'nested': v(c, 'nested') + v(c, 'j') })),
            ]),
          ]),
        ],
        on: {
          'dtmf': [
            // control.dsm:80
            {
              target: 'LOOPS_DONE',
              reenter: true,
              description: 'loops done',
            },
          ],
          'sip.hangup': [
            // control.dsm:83
            {
              target: 'END',
              reenter: true,
              description: 'hangup',
            },
          ],
        },
      },
      // control.dsm:81
      LOOPS_DONE: {
        type: 'final',
      },
      // control.dsm:85
      WRONG: {
        type: 'final',
      },
      // control.dsm:86
      END: {
        type: 'final',
      },
    },
  }),
);
