/**
 * quizconnect's configuration (the tutorial's quizconnect.conf), typed and validated at start-up. Every default
 * is stated in its `.describe()`; the server names the bad key when a value does not fit.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDbUrl } from '@sipflow/lookup';

/** The app's folder (apps/quizconnect). */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** The prompts shipped with the app. */
export const DEFAULT_PROMPT_PATH = `${APP_DIR}/prompts`;
/** The app's own SQLite file (apps/quizconnect/data is gitignored); created and seeded on first start. */
export const DEFAULT_DB_FILE = `${APP_DIR}/data/quizconnect.sqlite`;
export const DEFAULT_DB_URL = `sqlite:${DEFAULT_DB_FILE}`;

/** host, host:port or [v6]:port — what goes after the '@' of the callee's Request-URI. */
const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** A SIP user part we are willing to put in a From header (RFC 3261 unreserved + a few). */
const SIP_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;

export const configSchema = z
  .object({
    prompt_path: z
      .string()
      .min(1)
      .default(DEFAULT_PROMPT_PATH)
      .describe(
        'Folder with welcome_caller.wav, welcome_callee.wav, sorry_pin_wrong.wav (absolute, or relative to apps/quizconnect). Default: apps/quizconnect/prompts.',
      ),
    db_url: z
      .string()
      .min(1)
      .default(DEFAULT_DB_URL)
      .superRefine((value, ctx) => {
        try {
          parseDbUrl(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        }
      })
      .describe(
        'Where the callees table is: sqlite:PATH or mysql://user:pwd@host[:port]/db. Default: sqlite:apps/quizconnect/data/quizconnect.sqlite, created and seeded with the demo rows (35 → john 12345, anna 54321) on first start.',
      ),
    outbound_domain: z
      .string()
      .regex(HOST_PORT, 'expected host[:port], e.g. 127.0.0.1:5080')
      .default('127.0.0.1:5080')
      .describe('host[:port] the callee legs are sent to: sip:<callee>@<outbound_domain>. Default 127.0.0.1:5080.'),
    outbound_auth_user: z
      .string()
      .min(1)
      .optional()
      .describe('User name answered to a digest challenge (401/407) on a callee leg. Default: none (a challenge fails the leg).'),
    outbound_auth_password: z.string().optional().describe('Password for outbound_auth_user. Default: none.'),
    ring_timeout: z
      .number()
      .positive()
      .max(3600)
      .default(60)
      .describe('Seconds the caller waits for a callee to type its PIN before 480 Temporarily Unavailable. Default 60.'),
    from_user: z
      .string()
      .regex(SIP_USER, 'expected a SIP user part, e.g. quizconnect')
      .default('quizconnect')
      .describe('User part of the From header of the callee legs. Default quizconnect.'),
  })
  .superRefine((c, ctx) => {
    if (c.outbound_auth_user !== undefined && c.outbound_auth_password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['outbound_auth_password'], message: 'required when outbound_auth_user is set' });
    }
    if (c.outbound_auth_password !== undefined && c.outbound_auth_user === undefined) {
      ctx.addIssue({ code: 'custom', path: ['outbound_auth_user'], message: 'required when outbound_auth_password is set' });
    }
  });

export type QuizConfig = z.output<typeof configSchema>;
