/**
 * Coded errors of the lookup layer. Callers branch on `err.code`, never on the message:
 * - `LOOKUP_CONNECT`: the database cannot be reached (refused, timed out, auth failed, closed, worker gone).
 * - `LOOKUP_QUERY`: the database answered, but the statement failed (missing table, locked file, constraint).
 * - `LOOKUP_BAD_URL`: the `db_url` cannot be used (a start-up error).
 * - `LOOKUP_BAD_INPUT`: an admin operation got a value the schema cannot hold (empty caller, PIN with letters…).
 * A call flow answers 500 to both CONNECT and QUERY, but logs which one it was.
 */
export type LookupErrorCode = 'LOOKUP_CONNECT' | 'LOOKUP_QUERY' | 'LOOKUP_BAD_URL' | 'LOOKUP_BAD_INPUT';

export const LOOKUP_ERROR_CODES: readonly LookupErrorCode[] = ['LOOKUP_CONNECT', 'LOOKUP_QUERY', 'LOOKUP_BAD_URL', 'LOOKUP_BAD_INPUT'];

export class LookupError extends Error {
  override readonly name = 'LookupError';
  readonly code: LookupErrorCode;

  constructor(code: LookupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isLookupError(err: unknown): err is LookupError {
  return err instanceof LookupError;
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** Factories: the only place lookup errors are built. */
export const lookupErrors = {
  connect(target: string, cause?: unknown): LookupError {
    const why = cause === undefined ? '' : `: ${causeText(cause)}`;
    return new LookupError('LOOKUP_CONNECT', `cannot connect to ${target}${why}`, { cause });
  },
  query(target: string, cause?: unknown): LookupError {
    const why = cause === undefined ? '' : `: ${causeText(cause)}`;
    return new LookupError('LOOKUP_QUERY', `query failed on ${target}${why}`, { cause });
  },
  badUrl(url: string, reason: string): LookupError {
    return new LookupError('LOOKUP_BAD_URL', `bad db_url "${url}": ${reason}`);
  },
  badInput(reason: string): LookupError {
    return new LookupError('LOOKUP_BAD_INPUT', reason);
  },
} as const;
