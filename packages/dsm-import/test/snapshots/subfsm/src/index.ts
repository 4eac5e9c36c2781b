/**
 * subfsm: imported from DSM by `npm run import-dsm` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
import { subfsmFlow } from './subfsm.js';
import { subfsmSubFlow } from './subfsm_sub.js';
import { subfsmMenuFlow } from './subfsm_menu.js';

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: 'subfsm',
  flows: { 'subfsm.subfsm': subfsmFlow, 'subfsm.subfsm_sub': subfsmSubFlow, 'subfsm.subfsm_menu': subfsmMenuFlow },
  inbound: 'subfsm.subfsm',
  config: configSchema,
});
