/**
 * b2b: imported from DSM by `npm run import-dsm` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
import { b2bFlow } from './b2b.js';
import { b2bCalleeFlow } from './b2b_callee.js';

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: 'b2b',
  flows: { 'b2b.b2b': b2bFlow, 'b2b.b2b_callee': b2bCalleeFlow },
  inbound: 'b2b.b2b',
  config: configSchema,
});
