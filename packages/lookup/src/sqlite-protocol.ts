import type { LookupErrorCode } from './errors.js';
import type { SqliteOps } from './sqlite-store.js';

/** Messages between `SqliteLookup` (main thread) and `sqlite-worker.ts`. */
export type SqliteOpName = keyof SqliteOps;

export type SqliteRequest = {
  [K in SqliteOpName]: { id: number; op: K; args: Parameters<SqliteOps[K]> };
}[SqliteOpName];

export type SqliteResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code: LookupErrorCode; message: string } };

export interface SqliteWorkerData {
  path: string;
  target: string;
  busyTimeoutMs: number;
}
