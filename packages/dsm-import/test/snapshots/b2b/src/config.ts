/**
 * b2b's configuration: every $config.<key> the DSM scripts read (the SEMS app .conf), as a string ('' when unset).
 * Give values in the server's config file or with `npm run app b2b -- --set key=value`.
 */
import { z } from 'zod';

export const configSchema = z.object({

});

export type AppConfig = z.output<typeof configSchema>;
