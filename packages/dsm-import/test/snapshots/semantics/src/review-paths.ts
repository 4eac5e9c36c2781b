/**
 * How `npm run review -- semantics` plays the imported flows (path checks): diagrams other than the inbound one run on
 * dialled legs; lookups answer no row or one. Add `messages` to have the review send the postEvent messages too.
 */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  'semantics.semantics': { outputs: { 'semantics_70': [[], [{ name: '1' }]] } },
};
