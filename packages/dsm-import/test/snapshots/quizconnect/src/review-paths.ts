/**
 * How `npm run review -- quizconnect` plays the imported flows (path checks): diagrams other than the inbound one run on
 * dialled legs; lookups answer no row or one. Add `messages` to have the review send the postEvent messages too.
 */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  'quizconnect.quizconnect_caller': { outputs: { 'quizconnect_caller_25': [[], [{ callee: '1', pin: '1' }]] } },
  'quizconnect.quizconnect_callee': { call: { direction: 'outbound' } },
};
