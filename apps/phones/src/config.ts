import { z } from 'zod';

/** `user=PIN` pairs, comma separated ("john=12345,anna=54321"), as a map. */
export function parsePins(pins: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pins
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [user, pin] = pair.split('=') as [string, string];
    out[user] = pin;
  }
  return out;
}

export const phonesConfig = z.object({
  pins: z
    .string()
    .regex(/^\s*([^=,\s]+=[0-9*#]+\s*(,\s*[^=,\s]+=[0-9*#]+\s*)*)?$/, 'user=PIN pairs, comma separated (john=12345,anna=54321)')
    .default('john=12345')
    .describe(
      'user=PIN pairs, comma separated: the phone called as that user types that PIN once it has answered. Other users answer and listen. Default john=12345.',
    ),
  answer_after: z.number().min(0).default(1).describe('Seconds of ringing (180) before a phone answers. Default 1.'),
  type_after: z.number().min(0).default(2).describe('Seconds after answering before the PIN is typed (RFC 4733). Default 2.'),
  max_call: z.number().positive().default(120).describe('Seconds after which a phone hangs up whatever happens. Default 120.'),
});

export type PhonesConfig = z.output<typeof phonesConfig>;
