/** How `npm run review` plays the bridge's flows: the far-end leg is told which room to join while it is calling. */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  farEnd: {
    call: { direction: 'outbound' },
    messages: (state) => (state === 'CALLING' ? [{ type: 'bridge.join', room: 'bridge-room' }] : []),
  },
};
