import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Database, Statement } from 'node-sqlite3-wasm';
import { LookupError, lookupErrors } from './errors.js';
import type { CalleeRecord, CalleeRow } from './lookup-types.js';
import { exactCaller, validateId, validateRecord } from './record-input.js';
import { DEMO_ROWS, SQL, schemaStatements } from './schema.js';

/** The operations the SQLite worker serves; `SqliteStore` implements them synchronously. */
export interface SqliteOps {
  open(): void;
  close(): void;
  probe(): void;
  calleesFor(caller: string): CalleeRow[];
  initSchema(): void;
  seedDemo(): number;
  add(caller: string, callee: string, pin: string): CalleeRecord;
  remove(id: number): number;
  removePair(caller: string, callee: string): number;
  list(caller?: string): CalleeRecord[];
  count(): number;
}

/** node-sqlite3-wasm binds strings NUL-terminated ('35\0x' would bind as '35') and so can never have stored a
 * NUL: a parameter with one matches no row, and is never sent. */
function hasNul(...values: string[]): boolean {
  return values.some((v) => v.includes('\0'));
}

/** A lock folder older than this was left by a crashed process (holders release it within milliseconds). */
const STALE_LOCK_MS = 60_000;

type Stmts = { calleesFor: Statement; listAll: Statement };

/**
 * Synchronous SQLite access (node-sqlite3-wasm). Runs inside the lookup's worker thread, because a statement
 * blocks its thread (file locking, page reads, and up to busyTimeoutMs when the CLI holds the lock).
 */
export class SqliteStore implements SqliteOps {
  readonly #path: string;
  readonly #target: string;
  readonly #busyTimeoutMs: number;
  #db: Database | undefined;
  #stmts: Stmts | undefined;

  constructor(path: string, target: string, busyTimeoutMs = 2000) {
    this.#path = path;
    this.#target = target;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /** Creates the folder, the file and the schema on first use. */
  open(): void {
    if (this.#db) return;
    let db: Database | undefined;
    try {
      if (this.#path !== ':memory:') {
        mkdirSync(dirname(this.#path), { recursive: true });
        this.#clearStaleLock();
      }
      db = new sqlite.Database(this.#path);
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.#busyTimeoutMs))}`);
      for (const stmt of schemaStatements('sqlite')) db.exec(stmt);
      this.#db = db;
    } catch (err) {
      try {
        if (db?.isOpen) db.close();
      } catch {
        // already failing; the open error is the one to report
      }
      throw lookupErrors.connect(this.#target, err);
    }
  }

  close(): void {
    const db = this.#db;
    this.#db = undefined;
    if (!db) return;
    this.#dropStatements();
    db.close();
  }

  probe(): void {
    this.#run((db) => db.get(SQL.probe));
  }

  calleesFor(caller: string): CalleeRow[] {
    if (hasNul(caller)) return [];
    const rows = this.#run((_db, s) => s.calleesFor.all([caller]) as unknown as CalleeRecord[]);
    return exactCaller(rows, caller).map(({ id, callee, pin }) => ({ id, callee, pin }));
  }

  initSchema(): void {
    this.#run((db) => {
      for (const stmt of schemaStatements('sqlite')) db.exec(stmt);
    });
  }

  seedDemo(): number {
    return this.#run((db) => {
      let inserted = 0;
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const r of DEMO_ROWS) {
          if (db.get(SQL.pairExists, [r.caller, r.callee])) continue;
          db.run(SQL.insert, [r.caller, r.callee, r.pin]);
          inserted++;
        }
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
      return inserted;
    });
  }

  add(caller: string, callee: string, pin: string): CalleeRecord {
    const r = validateRecord({ caller, callee, pin });
    return this.#run((db) => {
      const res = db.run(SQL.insert, [r.caller, r.callee, r.pin]);
      return { id: Number(res.lastInsertRowid), ...r };
    });
  }

  remove(id: number): number {
    validateId(id);
    return this.#run((db) => db.run(SQL.deleteById, [id]).changes);
  }

  removePair(caller: string, callee: string): number {
    if (hasNul(caller, callee)) return 0;
    return this.#run((db) => db.run(SQL.deletePair, [caller, callee]).changes);
  }

  list(caller?: string): CalleeRecord[] {
    if (caller !== undefined && hasNul(caller)) return [];
    return this.#run((_db, s) => {
      if (caller === undefined) return s.listAll.all() as unknown as CalleeRecord[];
      return exactCaller(s.calleesFor.all([caller]) as unknown as CalleeRecord[], caller);
    });
  }

  count(): number {
    return this.#run((db) => Number((db.get(SQL.count) as { n: number } | null)?.n ?? 0));
  }

  #run<T>(fn: (db: Database, stmts: Stmts) => T): T {
    const db = this.#db;
    if (!db) throw lookupErrors.connect(this.#target, new Error('lookup is not open'));
    try {
      this.#stmts ??= { calleesFor: db.prepare(SQL.calleesFor), listAll: db.prepare(SQL.listAll) };
      return fn(db, this.#stmts);
    } catch (err) {
      if (err instanceof LookupError) throw err;
      // A statement whose last step failed (e.g. SQLITE_BUSY) refuses its next reset in node-sqlite3-wasm:
      // drop the cached ones so the next call prepares fresh statements.
      this.#dropStatements();
      throw lookupErrors.query(this.#target, err);
    }
  }

  #dropStatements(): void {
    for (const stmt of Object.values(this.#stmts ?? {})) {
      try {
        if (!stmt.isFinalized) stmt.finalize();
      } catch {
        // finalize reports the statement's last error; the statement is released anyway
      }
    }
    this.#stmts = undefined;
  }

  // node-sqlite3-wasm locks with a `<file>.lock` folder; a process killed mid-statement leaves it behind,
  // and every later statement would fail with "database is locked".
  #clearStaleLock(): void {
    const lock = `${this.#path}.lock`;
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmdirSync(lock);
    } catch {
      // no lock folder (the usual case), or it went away meanwhile
    }
  }
}
