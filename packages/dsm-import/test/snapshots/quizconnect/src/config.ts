/**
 * quizconnect's configuration: every $config.<key> the DSM scripts read (the SEMS app .conf), as a string ('' when unset).
 * Give values in the server's config file or with `npm run app quizconnect -- --set key=value`.
 */
import { z } from 'zod';

export const configSchema = z.object({
  outbound_domain: z.string().default('').describe('$config.outbound_domain of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),
  prompt_path: z.string().default('').describe('$config.prompt_path of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),
});

export type AppConfig = z.output<typeof configSchema>;
