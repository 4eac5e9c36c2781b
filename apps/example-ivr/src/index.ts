/** example-ivr: `npm run app example-ivr`, then call any number. */
import { defineApp } from '@sipflow/runtime/server';
import { ivrConfig } from './config.js';
import { ivr } from './ivr.js';

export default defineApp({
  name: 'example-ivr',
  flows: { ivr },
  inbound: 'ivr',
  config: ivrConfig,
  usage: ({ config, sip }) =>
    `call any number, type ${config.code} (* reads back the digits typed so far, as DTMF): sipp -sf test/e2e/scenarios/flow-ivr-uac.xml -s 35 ${sip.host}:${sip.port} -m 1`,
});
