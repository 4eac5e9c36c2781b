/**
 * constructs's configuration: every $config.<key> the DSM scripts read (the SEMS app .conf), as a string, required.
 * Give values in the server's config file or with `npm run app constructs -- --set key=value`.
 */
import { z } from 'zod';

export const configSchema = z.object({
  domain: z.string().describe('$config.domain of the DSM scripts (a value of the SEMS app .conf).'),
  operator: z.string().describe('$config.operator of the DSM scripts (a value of the SEMS app .conf).'),
  prompt_path: z.string().describe('$config.prompt_path of the DSM scripts (a value of the SEMS app .conf).'),
  room: z.string().describe('$config.room of the DSM scripts (a value of the SEMS app .conf).'),
});

export type AppConfig = z.output<typeof configSchema>;
