/**
 * How `npm run review -- constructs` plays the imported flows (path checks): diagrams other than the inbound one run on
 * dialled legs; lookups answer no row or one. Add `messages` to have the review send the postEvent messages too.
 */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  'constructs.constructs': { outputs: { 'constructs_b_10': [[], [{ name: '1', greeting: '1' }]] } },
  'constructs.constructs_b': { call: { direction: 'outbound' }, outputs: { 'constructs_b_10': [[], [{ name: '1', greeting: '1' }]] } },
};
