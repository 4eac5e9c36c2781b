/** example-bridge: `npm run app example-bridge -- --set outbound_domain=127.0.0.1:5080`, then call any number. */
import { defineApp } from '@sipflow/runtime/server';
import { bridge } from './bridge.js';
import { bridgeConfig } from './config.js';
import { farEnd } from './far-end.js';

export default defineApp({
  name: 'example-bridge',
  flows: { bridge, farEnd },
  inbound: 'bridge',
  config: bridgeConfig,
});
