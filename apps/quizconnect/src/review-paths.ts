/**
 * How `npm run review` plays quizconnect's flows (see docs/writing-flows.md, "Path checks"): the lookup answers
 * no row, one row or two; callee legs report `callee.matched`; a callee leg is dialled with a PIN and its caller.
 */
import type { PathFixtures } from '@sipflow/runtime/review';
import type { LegRef } from '@sipflow/runtime/flow';
import type { CalleeEvents, CallerEvents } from './messages.js';

const caller = { id: 'caller-leg', flow: 'quizconnect_caller' } as LegRef<CallerEvents>;

export const pathFixtures: PathFixtures = {
  quizconnect_caller: {
    outputs: {
      lookup: [
        [],
        [{ id: 1, callee: 'john', pin: '12' }],
        [
          { id: 1, callee: 'john', pin: '12' },
          { id: 2, callee: 'anna', pin: '21' },
        ],
      ],
    },
    keys: '',
    messages: (_state, legs) => legs.map((leg) => ({ type: 'callee.matched', leg: leg as LegRef<CalleeEvents> })),
    depth: 9,
  },
  quizconnect_callee: {
    input: { pin: '12', caller },
    call: { direction: 'outbound' },
    keys: '12#',
    messages: (state) => (state === 'MATCHING_PIN' ? [{ type: 'caller.connect', room: 'caller-leg' }] : []),
    depth: 8,
  },
};
