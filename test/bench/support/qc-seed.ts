/**
 * quizconnect bench data: a fresh SQLite callee table of N callers and the sipp injection CSV (-inf) that dials
 * them in turn. Callee names carry what the bench UAS (scenarios/qc-load-uas.xml) must do: `q<PIN>x<i>` answers
 * and types <PIN> by SIP INFO; `r<i>` only rings (it loses, and gets the CANCEL).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLookup } from '../../../packages/lookup/src/index.js';

export interface QcSeed {
  dbUrl: string;
  /** sipp -inf file: one seeded caller user per line, SEQUENTIAL. */
  csvFile: string;
  callers: number;
  rows: number;
}

/** Every other caller has 2 callee rows (one answering, one ringing), the others 1 (answering). */
export async function seedCallees(dir: string, callers: number): Promise<QcSeed> {
  const dbUrl = `sqlite:${join(dir, 'callees.sqlite')}`;
  const lookup = createLookup(dbUrl);
  await lookup.open();
  let rows = 0;
  const users: string[] = [];
  try {
    await lookup.initSchema();
    for (let i = 0; i < callers; i++) {
      const user = String(700000 + i);
      users.push(user);
      // A 5-digit PIN from the digits 0-9 (no # or *: those would end the PIN early).
      const pin = String(10000 + ((i * 7919) % 90000));
      await lookup.add(user, `q${pin}x${i}`, pin);
      rows++;
      if (i % 2 === 1) {
        await lookup.add(user, `r${i}`, '99999');
        rows++;
      }
    }
  } finally {
    await lookup.close();
  }
  const csvFile = join(dir, 'callers.csv');
  writeFileSync(csvFile, ['SEQUENTIAL', ...users].join('\n') + '\n');
  return { dbUrl, csvFile, callers, rows };
}
