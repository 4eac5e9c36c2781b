/** How `npm run review` plays the IVR: a two-digit code, so paths reach the goodbye with the keys 1, 2 and *. */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  ivr: { config: { code: '12', max_tries: 2, digit_timeout: 20 }, keys: '12*' },
};
