/**
 * semantics: imported from DSM by `npm run import-dsm` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
import { openLookups } from './lookups.js';
import { semanticsFlow } from './semantics.js';

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: 'semantics',
  flows: { 'semantics.semantics': semanticsFlow },
  inbound: 'semantics.semantics',
  config: configSchema,
  setup: ({ config }) => openLookups(config),
});
