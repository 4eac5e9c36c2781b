/**
 * quizconnect — the SEMS DSM tutorial's app on sipflow: a caller dials U; every callee listed for U in the
 * `callees` table is rung and asked for its PIN; the first to type it is bridged to the caller.
 * `npm run app quizconnect`, then call sip:35@127.0.0.1:5060 (callees are rung at sip:<name>@127.0.0.1:5080).
 */
import { isAbsolute, resolve } from 'node:path';
import { defineApp } from '@sipflow/runtime/server';
import { callerFlow } from './caller.js';
import { calleeFlow } from './callee.js';
import { APP_DIR, configSchema } from './config.js';
import { openResources, type QuizResources } from './resources.js';

export { callerFlow, calleeFlow, configSchema };
export type { QuizConfig } from './config.js';
export type { CallerEvents, CalleeEvents, CallerMessage, CalleeMessage } from './messages.js';
export type { QuizResources } from './resources.js';

export default defineApp({
  name: 'quizconnect',
  flows: { quizconnect_caller: callerFlow, quizconnect_callee: calleeFlow },
  inbound: 'quizconnect_caller',
  config: configSchema,
  prompts: (c) => (isAbsolute(c.prompt_path) ? c.prompt_path : resolve(APP_DIR, c.prompt_path)),
  setup: async ({ config, log }): Promise<QuizResources> => {
    const resources = await openResources(config, log);
    log.info(
      { db: resources.lookup.target, outbound_domain: config.outbound_domain, ring_timeout: config.ring_timeout },
      'quizconnect: callee lookup ready',
    );
    return resources;
  },
  usage: ({ config, sip }) =>
    `dial sip:<U>@${sip.host}:${sip.port} (demo rows: U=35 → john PIN 12345, anna PIN 54321); ` +
    `callees are rung at sip:<name>@${config.outbound_domain}, the first to type its PIN is connected`,
  close: (resources) => resources.close(),
});
