import { z } from 'zod';
import { lookupErrors } from './errors.js';
import { LIMITS } from './schema.js';

// Applied by both backends before an insert, so both accept exactly the same rows.
// Control characters are refused: node-sqlite3-wasm would cut a string at NUL.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const recordSchema = z.object({
  caller: z
    .string()
    .min(1, 'caller is empty')
    .max(LIMITS.caller, `caller is longer than ${LIMITS.caller}`)
    .regex(NO_CONTROL, 'caller contains control characters'),
  callee: z
    .string()
    .min(1, 'callee is empty')
    .max(LIMITS.callee, `callee is longer than ${LIMITS.callee}`)
    .regex(NO_CONTROL, 'callee contains control characters'),
  // A PIN is typed on a keypad: digits, * and #.
  pin: z.string().regex(new RegExp(`^[0-9*#]{1,${LIMITS.pin}}$`), `pin must be 1-${LIMITS.pin} of 0-9 * #`),
});

export interface RecordInput {
  caller: string;
  callee: string;
  pin: string;
}

/** Throws LOOKUP_BAD_INPUT naming the first bad field. */
export function validateRecord(input: RecordInput): RecordInput {
  const res = recordSchema.safeParse(input);
  if (!res.success) throw lookupErrors.badInput(res.error.issues.map((i) => i.message).join('; '));
  return res.data;
}

/** Throws LOOKUP_BAD_INPUT unless `id` is a positive integer. */
export function validateId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw lookupErrors.badInput(`id must be a positive integer, got ${String(id)}`);
  return id;
}

/** Exact string match on rows a backend returned. Why: MySQL PAD SPACE collations match '35 ' to '35', and
 * node-sqlite3-wasm binds strings NUL-terminated, so '35\0x' would match '35'. Both must yield no rows. */
export function exactCaller<T extends { caller: string }>(rows: T[], caller: string): T[] {
  return rows.filter((r) => r.caller === caller);
}

/** Throws LOOKUP_BAD_INPUT unless `value` is a string (guards JavaScript callers that bypass the types). */
export function assertString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw lookupErrors.badInput(`${what} must be a string, got ${typeof value}`);
  return value;
}
