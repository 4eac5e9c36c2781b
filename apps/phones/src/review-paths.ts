/** How `npm run review -- phones` plays the flow: john has a PIN (the default config), calls to him type it. */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  phones_main: { call: { user: 'john' }, keys: '' },
};
