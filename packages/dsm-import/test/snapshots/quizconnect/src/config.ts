/**
 * quizconnect's configuration: every $config.<key> the DSM scripts read (the SEMS app .conf), as a string, required.
 * Give values in the server's config file or with `npm run app quizconnect -- --set key=value`.
 */
import { z } from 'zod';

export const configSchema = z.object({
  outbound_domain: z.string().describe('$config.outbound_domain of the DSM scripts (a value of the SEMS app .conf).'),
  prompt_path: z.string().describe('$config.prompt_path of the DSM scripts (a value of the SEMS app .conf).'),
});

export type AppConfig = z.output<typeof configSchema>;
