/**
 * quizconnect bench data: a fresh SQLite callee table of N callers and the sipp injection CSV (-inf) that dials
 * them in turn. Callee names carry what the bench UAS (scenarios/qc-load-uas.xml) must do: `q<PIN>x<i>` answers
 * and types <PIN> by SIP INFO; `r<i>` only rings (it loses, and gets the CANCEL).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { createLookup, SQL, schemaStatements } from '../../../packages/lookup/src/index.js';

export interface QcSeed {
  dbUrl: string;
  /** sipp -inf file: one seeded caller user per line, SEQUENTIAL. */
  csvFile: string;
  callers: number;
  rows: number;
}

/** Every other caller has 2 callee rows (one answering, one ringing), the others 1 (answering). */
export async function seedCallees(dir: string, callers: number): Promise<QcSeed> {
  const file = join(dir, 'callees.sqlite');
  const dbUrl = `sqlite:${file}`;
  const users: string[] = [];
  const rows: Array<[string, string, string]> = [];
  for (let i = 0; i < callers; i++) {
    const user = String(700000 + i);
    users.push(user);
    // A 5-digit PIN from the digits 0-9 (no # or *: those would end the PIN early).
    const pin = String(10000 + ((i * 7919) % 90000));
    rows.push([user, `q${pin}x${i}`, pin]);
    if (i % 2 === 1) rows.push([user, `r${i}`, '99999']);
  }
  // One transaction with the lookup's own schema and INSERT (lookup.add() commits per row: ~15 ms each).
  const db = new sqlite.Database(file);
  try {
    for (const stmt of schemaStatements('sqlite')) db.exec(stmt);
    db.exec('BEGIN');
    for (const r of rows) db.run(SQL.insert, r);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  // Read one back through the app's lookup, so a schema drift fails here and not as 500s under load.
  const lookup = createLookup(dbUrl);
  await lookup.open();
  try {
    const got = await lookup.calleesFor(users[1] ?? users[0]!);
    if (got.length !== (callers > 1 ? 2 : 1)) throw new Error(`seeded callee table reads back ${got.length} rows for ${users[1]}`);
  } finally {
    await lookup.close();
  }
  const csvFile = join(dir, 'callers.csv');
  writeFileSync(csvFile, ['SEQUENTIAL', ...users].join('\n') + '\n');
  return { dbUrl, csvFile, callers, rows: rows.length };
}
