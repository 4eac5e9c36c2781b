/**
 * phones — callee phones for trying quizconnect on one machine (`npm run phones`, then `npm run app quizconnect`
 * and a caller): every call to it rings, is answered, and the phone called as a user listed in `pins` types that
 * user's PIN. See docs/quizconnect.md, "Play caller and callees yourself".
 */
import { defineApp } from '@sipflow/runtime/server';
import { phonesConfig } from './config.js';
import { phone } from './phone.js';

export default defineApp({
  name: 'phones',
  flows: { phones_main: phone },
  inbound: 'phones_main',
  config: phonesConfig,
  usage: ({ config, sip }) =>
    `answering every call at sip:<user>@${sip.host}:${sip.port}; PINs typed: ${config.pins || '(none)'} — point quizconnect's outbound_domain here`,
});
