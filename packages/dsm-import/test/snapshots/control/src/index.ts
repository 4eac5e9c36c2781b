/**
 * control: imported from DSM by `npm run import-dsm` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
import { controlFlow } from './control.js';

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: 'control',
  flows: { 'control.control': controlFlow },
  inbound: 'control.control',
  config: configSchema,
});
