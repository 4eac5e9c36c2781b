/**
 * constructs's configuration: every $config.<key> the DSM scripts read (the SEMS app .conf), as a string ('' when unset).
 * Give values in the server's config file or with `npm run app constructs -- --set key=value`.
 */
import { z } from 'zod';

export const configSchema = z.object({
  domain: z.string().default('').describe('$config.domain of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),
  operator: z.string().default('').describe('$config.operator of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),
  prompt_path: z.string().default('').describe('$config.prompt_path of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),
  room: z.string().default('').describe('$config.room of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),
});

export type AppConfig = z.output<typeof configSchema>;
