/**
 * constructs: imported from DSM by `npm run import-dsm` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
import { openLookups } from './lookups.js';
import { constructsFlow } from './constructs.js';
import { constructsBFlow } from './constructs_b.js';

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: 'constructs',
  flows: { 'constructs.constructs': constructsFlow, 'constructs.constructs_b': constructsBFlow },
  inbound: 'constructs.constructs',
  config: configSchema,
  setup: ({ config }) => openLookups(config),
});
