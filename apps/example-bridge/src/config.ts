import { z } from 'zod';

export const bridgeConfig = z.object({
  outbound_domain: z
    .string()
    .regex(/^[^\s@:]+(:\d{1,5})?$/, 'expected host[:port]')
    .default('127.0.0.1:5080')
    .describe('host[:port] the far-end leg is sent to (the number called is kept). Default 127.0.0.1:5080.'),
  from_user: z.string().min(1).default('bridge').describe('From user of the far-end leg. Default bridge.'),
  ring_timeout: z.number().positive().default(30).describe('Seconds to wait for the far end to answer. Default 30.'),
});

export type BridgeConfig = z.output<typeof bridgeConfig>;
