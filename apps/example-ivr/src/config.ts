import { z } from 'zod';

/** The key that makes the IVR read back the digits typed so far (so it cannot be part of the code). */
export const READ_BACK_KEY = '*';

export const ivrConfig = z.object({
  code: z
    .string()
    .regex(/^[0-9#]+$/)
    .default('1234')
    .describe('The code callers must type (digits and #; * reads back what was typed). Default 1234.'),
  max_tries: z.number().int().min(1).default(3).describe('Wrong codes before hanging up. Default 3.'),
  digit_timeout: z.number().positive().default(20).describe('Seconds to wait for a key before hanging up. Default 20.'),
});

export type IvrConfig = z.output<typeof ivrConfig>;
