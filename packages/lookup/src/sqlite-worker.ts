/**
 * Worker thread that owns the SQLite database: node-sqlite3-wasm is synchronous, so statements run here and
 * never block the main thread's event loop (SIP and RTP timing).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LookupError } from './errors.js';
import type { SqliteRequest, SqliteResponse, SqliteWorkerData } from './sqlite-protocol.js';
import { SqliteStore } from './sqlite-store.js';

const data = workerData as SqliteWorkerData;
const store = new SqliteStore(data.path, data.target, data.busyTimeoutMs);
const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts must run as a worker thread');

port.on('message', (req: SqliteRequest) => {
  let res: SqliteResponse;
  try {
    const fn = store[req.op] as (...args: unknown[]) => unknown;
    res = { id: req.id, ok: true, value: fn.apply(store, req.args) };
  } catch (err) {
    const error =
      err instanceof LookupError
        ? { code: err.code, message: err.message }
        : { code: 'LOOKUP_QUERY' as const, message: `${data.target}: ${err instanceof Error ? err.message : String(err)}` };
    res = { id: req.id, ok: false, error };
  }
  port.postMessage(res);
  if (req.op === 'close' && res.ok) port.close();
});
