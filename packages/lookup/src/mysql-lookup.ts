import mysql from 'mysql2/promise';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { LookupError, lookupErrors } from './errors.js';
import { probeHealth } from './health.js';
import type { CalleeLookup, CalleeRecord, CalleeRow, LookupHealth, LookupLogger, LookupOptions } from './lookup-types.js';
import { assertString, exactCaller, validateId, validateRecord } from './record-input.js';
import { DEMO_ROWS, SQL, schemaStatements } from './schema.js';
import type { DbTarget } from './db-url.js';

/** mysql2 / socket error codes that mean "the server cannot be reached or refused us", not "the query failed". */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_HOST_IS_BLOCKED',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'POOL_CLOSED',
]);

function isConnectError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; fatal?: unknown };
  return e.fatal === true || (typeof e.code === 'string' && CONNECT_CODES.has(e.code));
}

type Row = RowDataPacket & CalleeRecord;
type MysqlTarget = Extract<DbTarget, { kind: 'mysql' }>;

/**
 * MySQL/MariaDB backend on a mysql2 pool. A connection is taken per statement and given back at once, so none is
 * held for a call; a connection the server dropped leaves the pool, so after an outage the next statement opens a
 * fresh one and works again without any reconnect logic here.
 */
export class MysqlLookup implements CalleeLookup {
  readonly backend = 'mysql' as const;
  readonly target: string;
  readonly #cfg: MysqlTarget;
  readonly #opts: LookupOptions;
  readonly #log: LookupLogger | undefined;
  #pool: Pool | undefined;
  /** True after a LOOKUP_CONNECT failure until the next success: logs outages once, and the recovery. */
  #down = false;

  constructor(cfg: MysqlTarget, target: string, options: LookupOptions = {}) {
    this.#cfg = cfg;
    this.target = target;
    this.#opts = options;
    this.#log = options.logger;
  }

  async open(): Promise<void> {
    if (this.#pool) return;
    const pool = mysql.createPool({
      host: this.#cfg.host,
      port: this.#cfg.port,
      user: this.#cfg.user,
      password: this.#cfg.password,
      database: this.#cfg.database,
      charset: 'utf8mb4_general_ci',
      connectTimeout: this.#opts.connectTimeoutMs ?? 2000,
      connectionLimit: this.#opts.connectionLimit ?? 4,
      maxIdle: this.#opts.connectionLimit ?? 4,
      idleTimeout: 60_000,
      waitForConnections: true,
      queueLimit: 1000,
      enableKeepAlive: true,
    });
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw lookupErrors.connect(this.target, err);
    }
    this.#pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.end().catch((err: unknown) => this.#log?.warn({ err, target: this.target }, 'lookup: pool end failed'));
  }

  health(): Promise<LookupHealth> {
    return probeHealth(this, async () => {
      await this.#exec(SQL.probe, []);
    });
  }

  async calleesFor(caller: string): Promise<CalleeRow[]> {
    assertString(caller, 'caller');
    const rows = await this.#exec<Row[]>(SQL.calleesFor, [caller]);
    return exactCaller(rows, caller).map((r) => ({ id: Number(r.id), callee: r.callee, pin: r.pin }));
  }

  async initSchema(): Promise<void> {
    for (const stmt of schemaStatements('mysql')) await this.#exec(stmt, [], false);
  }

  async seedDemo(): Promise<number> {
    let inserted = 0;
    for (const r of DEMO_ROWS) {
      const found = await this.#exec<RowDataPacket[]>(SQL.pairExists, [r.caller, r.callee]);
      if (found.length) continue;
      await this.#exec(SQL.insert, [r.caller, r.callee, r.pin]);
      inserted++;
    }
    return inserted;
  }

  async add(caller: string, callee: string, pin: string): Promise<CalleeRecord> {
    const r = validateRecord({ caller, callee, pin });
    const res = await this.#exec<ResultSetHeader>(SQL.insert, [r.caller, r.callee, r.pin]);
    return { id: Number(res.insertId), ...r };
  }

  async remove(id: number): Promise<number> {
    validateId(id);
    return (await this.#exec<ResultSetHeader>(SQL.deleteById, [id])).affectedRows;
  }

  async removePair(caller: string, callee: string): Promise<number> {
    // Not a single DELETE: PAD SPACE collations would also remove ('35 ', 'john'). Match exactly, delete by id.
    const rows = exactCaller(await this.#exec<Row[]>(SQL.calleesFor, [caller]), caller).filter((r) => r.callee === callee);
    let removed = 0;
    for (const r of rows) removed += (await this.#exec<ResultSetHeader>(SQL.deleteById, [Number(r.id)])).affectedRows;
    return removed;
  }

  async list(caller?: string): Promise<CalleeRecord[]> {
    const rows =
      caller === undefined ? await this.#exec<Row[]>(SQL.listAll, []) : exactCaller(await this.#exec<Row[]>(SQL.calleesFor, [caller]), caller);
    return rows.map((r) => ({ id: Number(r.id), caller: r.caller, callee: r.callee, pin: r.pin }));
  }

  async count(): Promise<number> {
    const rows = await this.#exec<RowDataPacket[]>(SQL.count, []);
    return Number(rows[0]?.['n'] ?? 0);
  }

  /** Every statement goes through here: parameterised, bounded by queryTimeoutMs, errors coded. */
  async #exec<T>(sql: string, params: (string | number)[], prepared = true): Promise<T> {
    const pool = this.#pool;
    if (!pool) throw lookupErrors.connect(this.target, new Error('lookup is not open'));
    const options = { sql, timeout: this.#opts.queryTimeoutMs ?? 5000 };
    try {
      // DDL goes through query(): not every server can prepare CREATE TABLE.
      const [result] = prepared ? await pool.execute(options, params) : await pool.query(options, params);
      if (this.#down) {
        this.#down = false;
        this.#log?.info({ target: this.target }, 'lookup: database reachable again');
      }
      return result as T;
    } catch (err) {
      if (err instanceof LookupError) throw err;
      if (!isConnectError(err)) throw lookupErrors.query(this.target, err);
      if (!this.#down) {
        this.#down = true;
        this.#log?.warn({ err, target: this.target }, 'lookup: database unreachable');
      }
      throw lookupErrors.connect(this.target, err);
    }
  }
}
