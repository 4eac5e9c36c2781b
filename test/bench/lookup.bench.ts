/**
 * Callee lookup with 100,000 rows (50,000 callers × 2 callees, indexed on caller).
 * - sqliteInThread: one lookup run synchronously in the calling thread (node-sqlite3-wasm): what the event loop
 *   would be blocked for if SQLite ran on the main thread.
 * - sqlite / mysql: through CalleeLookup (SQLite in its worker thread; MySQL on a private MariaDB): round-trip
 *   latency of sequential lookups, and the main thread's event-loop delay during 8-way concurrent lookups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sqlite from 'node-sqlite3-wasm';
import mysql from 'mysql2/promise';
import { createLookup, schemaStatements, SQL } from '../../packages/lookup/src/index.js';
import type { CalleeLookup } from '../../packages/lookup/src/index.js';
import { SqliteStore } from '../../packages/lookup/src/sqlite-store.js';
import { startMariaDb } from '../support/mariadb.js';

export const name = 'lookup';

const ROWS = 100_000;
const CALLERS = ROWS / 2;
const SEQUENTIAL = 5_000;
const CONCURRENT = 20_000;

const callerOf = (i: number): string => String(1_000_000 + i);
const randomCaller = (): string => callerOf(Math.floor(Math.random() * CALLERS));
const us = (ns: bigint): number => Number(ns) / 1000;
const round = (x: number): number => Math.round(x * 10) / 10;

function stats(samplesUs: number[]): { p50Us: number; p99Us: number; maxUs: number } {
  const s = [...samplesUs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50Us: round(at(0.5)), p99Us: round(at(0.99)), maxUs: round(s[s.length - 1] ?? NaN) };
}

function rowsFor(i: number): [string, string, string][] {
  return [
    [callerOf(i), `a${i}`, String(10000 + (i % 90000))],
    [callerOf(i), `b${i}`, String(20000 + (i % 70000))],
  ];
}

async function measureLookup(lookup: CalleeLookup): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) await lookup.calleesFor(randomCaller()); // warm-up
  const seq: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = process.hrtime.bigint();
    const rows = await lookup.calleesFor(randomCaller());
    seq.push(us(process.hrtime.bigint() - t0));
    if (rows.length !== 2) throw new Error(`expected 2 rows, got ${rows.length}`);
  }
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < CONCURRENT) await lookup.calleesFor(randomCaller());
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  eld.disable();
  return {
    ...stats(seq),
    concurrent8PerSec: Math.round(CONCURRENT / secs),
    // main-thread (event loop) busy time per lookup: what a lookup costs the SIP/RTP thread
    mainThreadUsPerLookup: round((elu.active * 1000) / CONCURRENT),
    eventLoopDelayP99Ms: round(eld.percentile(99) / 1e6),
    eventLoopDelayMaxMs: round(eld.max / 1e6),
  };
}

async function benchSqlite(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'bench.sqlite');
  const db = new sqlite.Database(file);
  for (const stmt of schemaStatements('sqlite')) db.exec(stmt);
  db.exec('BEGIN');
  const ins = db.prepare(SQL.insert);
  for (let i = 0; i < CALLERS; i++) for (const r of rowsFor(i)) ins.run(r);
  ins.finalize();
  db.exec('COMMIT');
  db.close();

  const store = new SqliteStore(file, 'bench');
  store.open();
  for (let i = 0; i < 500; i++) store.calleesFor(randomCaller());
  const sync: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t0 = process.hrtime.bigint();
    store.calleesFor(randomCaller());
    sync.push(us(process.hrtime.bigint() - t0));
  }
  store.close();
  const over1ms = sync.filter((x) => x > 1000).length;

  const lookup = createLookup(`sqlite:${file}`);
  await lookup.open();
  try {
    return { sqliteInThread: { ...stats(sync), over1msPer10k: round((over1ms / sync.length) * 10_000) }, sqlite: await measureLookup(lookup) };
  } finally {
    await lookup.close();
  }
}

async function benchMysql(): Promise<Record<string, unknown>> {
  const maria = await startMariaDb();
  try {
    const lookup = createLookup(maria.url);
    await lookup.open();
    try {
      await lookup.initSchema();
      const conn = await mysql.createConnection({ socketPath: maria.socket, user: 'root', database: 'sipflow' });
      try {
        for (let i = 0; i < CALLERS; i += 1000) {
          const batch = Array.from({ length: Math.min(1000, CALLERS - i) }, (_, k) => rowsFor(i + k)).flat();
          await conn.query('INSERT INTO callees (caller, callee, pin) VALUES ?', [batch]);
        }
      } finally {
        await conn.end();
      }
      if ((await lookup.count()) !== ROWS) throw new Error('MariaDB seed incomplete');
      return await measureLookup(lookup);
    } finally {
      await lookup.close();
    }
  } finally {
    await maria.stop();
  }
}

/** Event-loop delay of an idle process for 2 s: the machine's noise floor for the figures above. */
async function idleDelay(): Promise<{ p99Ms: number; maxMs: number }> {
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  await new Promise((r) => setTimeout(r, 2000));
  eld.disable();
  return { p99Ms: round(eld.percentile(99) / 1e6), maxMs: round(eld.max / 1e6) };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'lookup-bench-'));
  try {
    const result: Record<string, unknown> = { rows: ROWS, idleEventLoopDelay: await idleDelay(), ...(await benchSqlite(dir)) };
    try {
      result['mysql'] = await benchMysql();
    } catch (err) {
      result['mysql'] = { skipped: err instanceof Error ? err.message.split('\n')[0] : String(err) };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
