/**
 * How `npm run review -- b2b` plays the imported flows (path checks): diagrams other than the inbound one run on
 * dialled legs; lookups answer no row or one. Add `messages` to have the review send the postEvent messages too.
 */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  'b2b.b2b': {},
  'b2b.b2b_callee': { call: { direction: 'outbound' } },
};
