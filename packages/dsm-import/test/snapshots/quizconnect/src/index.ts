/**
 * quizconnect: imported from DSM by `npm run import-dsm` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
import { openLookups } from './lookups.js';
import { quizconnectCallerFlow } from './quizconnect_caller.js';
import { quizconnectCalleeFlow } from './quizconnect_callee.js';

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: 'quizconnect',
  flows: { 'quizconnect.quizconnect_caller': quizconnectCallerFlow, 'quizconnect.quizconnect_callee': quizconnectCalleeFlow },
  inbound: 'quizconnect.quizconnect_caller',
  config: configSchema,
  setup: ({ config }) => openLookups(config),
});
