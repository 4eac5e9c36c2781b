import type { LookupErrorCode } from './errors.js';

/** One callee to ring for a caller, with the PIN they must type. */
export interface CalleeRow {
  id: number;
  callee: string;
  pin: string;
}

/** A full row of the `callees` table (admin views). */
export interface CalleeRecord extends CalleeRow {
  caller: string;
}

export type LookupBackend = 'sqlite' | 'mysql';

export interface LookupHealth {
  ok: boolean;
  backend: LookupBackend;
  /** The db_url with the password replaced by `***`. */
  target: string;
  /** Round-trip time of the probe query. */
  latencyMs: number;
  /** Set when `ok` is false. */
  error?: { code: LookupErrorCode; message: string };
}

/** The subset of a pino logger the lookup uses (a pino `Logger` fits). */
export interface LookupLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LookupOptions {
  /** Where reachability changes and failures are logged. Default: nothing is logged. */
  logger?: LookupLogger;
  /** MySQL: TCP connect + handshake timeout in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** MySQL: a statement that gets no answer within this many ms fails (LOOKUP_CONNECT). Default 5000. */
  queryTimeoutMs?: number;
  /** MySQL: pool size. Connections are taken per query, never held for a call. Default 4. */
  connectionLimit?: number;
  /** SQLite: how long a statement waits for the file lock held by another process (the CLI). Default 2000. */
  busyTimeoutMs?: number;
}

/**
 * Callee lookup: which callees to ring for a caller, ordered by id.
 * Backend-neutral; `createLookup(dbUrl)` picks SQLite or MySQL. Every failure is a `LookupError`.
 *
 * @example
 * const lookup = createLookup('sqlite:data/quizconnect.sqlite');
 * await lookup.open();
 * const rows = await lookup.calleesFor('35'); // [{ id: 1, callee: 'john', pin: '12345' }, …]
 * await lookup.close();
 */
export interface CalleeLookup {
  readonly backend: LookupBackend;
  /** The db_url with the password replaced by `***` (safe to log). */
  readonly target: string;
  /**
   * SQLite: creates the file (and its folder) and the schema. MySQL: creates the pool and checks one connection.
   * Rejects with LOOKUP_CONNECT when the database cannot be reached; the lookup then stays closed.
   */
  open(): Promise<void>;
  /** Releases the pool / file and worker. Idempotent. */
  close(): Promise<void>;
  /** Probes the `callees` table. Never rejects. */
  health(): Promise<LookupHealth>;
  /** The callees of `caller`, ordered by id; an unknown caller yields []. Any string is safe (parameterised). */
  calleesFor(caller: string): Promise<CalleeRow[]>;

  // Admin operations (CLI, app start-up).
  /** Creates the table and index if missing. Idempotent. */
  initSchema(): Promise<void>;
  /** Inserts the demo rows that are not present yet; resolves to the number inserted. */
  seedDemo(): Promise<number>;
  add(caller: string, callee: string, pin: string): Promise<CalleeRecord>;
  /** Resolves to the number of rows removed (0 or 1). */
  remove(id: number): Promise<number>;
  /** Removes every row for this caller and callee; resolves to the number removed. */
  removePair(caller: string, callee: string): Promise<number>;
  /** Rows of one caller, or all rows, ordered by id. */
  list(caller?: string): Promise<CalleeRecord[]>;
  count(): Promise<number>;
}
