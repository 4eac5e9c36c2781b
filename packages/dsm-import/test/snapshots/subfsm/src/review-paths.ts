/**
 * How `npm run review -- subfsm` plays the imported flows (path checks): diagrams other than the inbound one run on
 * dialled legs; lookups answer no row or one. Add `messages` to have the review send the postEvent messages too.
 */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  'subfsm.subfsm': {},
  'subfsm.subfsm_sub': { call: { direction: 'outbound' } },
  'subfsm.subfsm_menu': { call: { direction: 'outbound' } },
};
