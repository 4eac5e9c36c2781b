import { Worker } from 'node:worker_threads';
import { LookupError, lookupErrors } from './errors.js';
import type { CalleeLookup, CalleeRecord, CalleeRow, LookupHealth, LookupLogger, LookupOptions } from './lookup-types.js';
import type { SqliteOpName, SqliteRequest, SqliteResponse, SqliteWorkerData } from './sqlite-protocol.js';
import type { SqliteOps } from './sqlite-store.js';
import { probeHealth } from './health.js';
import { assertString } from './record-input.js';

type Pending = { resolve(value: unknown): void; reject(err: LookupError): void };

/**
 * SQLite backend: a main-thread proxy to a worker thread that owns the file (see sqlite-worker.ts for why).
 * If the worker dies, pending calls fail with LOOKUP_CONNECT and the next call starts a new one.
 */
export class SqliteLookup implements CalleeLookup {
  readonly backend = 'sqlite' as const;
  readonly target: string;
  readonly #data: SqliteWorkerData;
  readonly #log: LookupLogger | undefined;
  #wantOpen = false;
  #worker: Worker | undefined;
  #starting: Promise<Worker> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(path: string, target: string, options: LookupOptions = {}) {
    this.target = target;
    this.#data = { path, target, busyTimeoutMs: options.busyTimeoutMs ?? 2000 };
    this.#log = options.logger;
  }

  async open(): Promise<void> {
    if (this.#wantOpen) return;
    this.#wantOpen = true;
    try {
      await this.#ensureWorker();
    } catch (err) {
      this.#wantOpen = false;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#wantOpen = false;
    const worker = this.#worker ?? (await this.#starting?.catch(() => undefined));
    this.#worker = undefined;
    if (!worker) return;
    try {
      await this.#send(worker, 'close', []);
    } catch (err) {
      this.#log?.warn({ err, target: this.target }, 'lookup: closing the SQLite file failed');
    } finally {
      await worker.terminate();
    }
  }

  health(): Promise<LookupHealth> {
    return probeHealth(this, () => this.#call('probe', []));
  }

  async calleesFor(caller: string): Promise<CalleeRow[]> {
    return this.#call('calleesFor', [assertString(caller, 'caller')]);
  }
  initSchema(): Promise<void> {
    return this.#call('initSchema', []);
  }
  seedDemo(): Promise<number> {
    return this.#call('seedDemo', []);
  }
  add(caller: string, callee: string, pin: string): Promise<CalleeRecord> {
    return this.#call('add', [caller, callee, pin]);
  }
  remove(id: number): Promise<number> {
    return this.#call('remove', [id]);
  }
  removePair(caller: string, callee: string): Promise<number> {
    return this.#call('removePair', [caller, callee]);
  }
  list(caller?: string): Promise<CalleeRecord[]> {
    return this.#call('list', caller === undefined ? [] : [caller]);
  }
  count(): Promise<number> {
    return this.#call('count', []);
  }

  async #call<K extends SqliteOpName>(op: K, args: Parameters<SqliteOps[K]>): Promise<ReturnType<SqliteOps[K]>> {
    if (!this.#wantOpen) throw lookupErrors.connect(this.target, new Error('lookup is not open'));
    const worker = await this.#ensureWorker();
    return (await this.#send(worker, op, args)) as ReturnType<SqliteOps[K]>;
  }

  #ensureWorker(): Promise<Worker> {
    if (this.#worker) return Promise.resolve(this.#worker);
    this.#starting ??= this.#startWorker().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #startWorker(): Promise<Worker> {
    const worker = spawnWorker(this.#data);
    worker.unref(); // referenced only while a request is pending, so an idle lookup never keeps the process alive
    worker.on('message', (res: SqliteResponse) => this.#settle(worker, res));
    worker.on('error', (err) => this.#workerGone(worker, err));
    worker.on('exit', (code) => this.#workerGone(worker, new Error(`SQLite worker exited with code ${code}`)));
    try {
      await this.#send(worker, 'open', []);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    if (!this.#wantOpen) {
      // closed while starting
      await worker.terminate();
      throw lookupErrors.connect(this.target, new Error('lookup was closed'));
    }
    this.#worker = worker;
    return worker;
  }

  #send(worker: Worker, op: SqliteOpName, args: unknown[]): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ id, op, args } as SqliteRequest);
    });
  }

  #settle(worker: Worker, res: SqliteResponse): void {
    const p = this.#pending.get(res.id);
    if (!p) return;
    this.#pending.delete(res.id);
    if (this.#pending.size === 0) worker.unref();
    if (res.ok) p.resolve(res.value);
    else p.reject(new LookupError(res.error.code, res.error.message));
  }

  #workerGone(worker: Worker, cause: unknown): void {
    if (this.#worker === worker) this.#worker = undefined;
    if (this.#pending.size === 0) return;
    this.#log?.error({ err: cause, target: this.target }, 'lookup: SQLite worker failed');
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.reject(lookupErrors.connect(this.target, cause));
    }
  }
}

function spawnWorker(data: SqliteWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./sqlite-worker.js', here), { workerData: data });
  // Running from TypeScript sources (tsx): worker threads do not inherit tsx's loader, so register it first.
  const workerUrl = new URL('./sqlite-worker.ts', here).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}
