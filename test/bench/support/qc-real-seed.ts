/**
 * quizconnect real-workload bench data in MariaDB, written through the MySQL path of @sipflow/lookup (initSchema,
 * add): caller `<800000 + i>` → callee `w<i>` (PIN 12345, answers and wins) and `l<i>` (PIN 54321, answers, types
 * ~350 ms later and loses), plus the sipp injection CSV (-inf) that dials the callers in turn. Also the files the
 * sipp peers send: both PINs as RFC 4733 pcaps at PT 101, and a raw µ-law tone to talk with.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLookup } from '../../../packages/lookup/src/index.js';
import { encode } from '../../../packages/runtime/src/media/g711.js';
import { writeRfc4733Pcap } from '../../support/pcap-rfc4733.js';

export const WINNER_PIN = '12345';
export const LOSER_PIN = '54321';
/** The telephone-event payload type the server offers its callee legs (the UAS scenario checks it). */
export const OFFERED_TE_PT = 101;

export interface QcRealSeed {
  /** sipp -inf file: one seeded caller per line, SEQUENTIAL. */
  csvFile: string;
  callers: number;
  rows: number;
  /** sipp -key values: pin_w, pin_l (pcap paths) and talk ('file,-1,0': the tone looped until the call ends, PCMU). */
  keys: { pin_w: string; pin_l: string; talk: string };
}

export async function seedRealWorkload(dir: string, dbUrl: string, callers: number): Promise<QcRealSeed> {
  const lookup = createLookup(dbUrl, { connectionLimit: 4 });
  await lookup.open();
  const users: string[] = [];
  try {
    await lookup.initSchema();
    const rows: Array<[string, string, string]> = [];
    for (let i = 0; i < callers; i++) {
      const user = String(800000 + i);
      users.push(user);
      rows.push([user, `w${i}`, WINNER_PIN], [user, `l${i}`, LOSER_PIN]);
    }
    // Four inserts in flight (the pool's size); the winner row of a caller goes in before its loser row.
    for (let i = 0; i < rows.length; i += 8) {
      const batch = rows.slice(i, i + 8);
      await Promise.all(
        [0, 2, 4, 6].map(async (k) => {
          for (const r of batch.slice(k, k + 2)) await lookup.add(...r);
        }),
      );
    }
    const got = await lookup.calleesFor(users[0]!);
    if (got.map((r) => r.callee).join(',') !== 'w0,l0') throw new Error(`seeded callees read back as ${JSON.stringify(got)}`);
  } finally {
    await lookup.close();
  }
  const csvFile = join(dir, 'callers.csv');
  writeFileSync(csvFile, ['SEQUENTIAL', ...users].join('\n') + '\n');
  // 1 s of a 425 Hz tone at -10 dBFS, µ-law: rtp_stream sends it in 160-byte frames every 20 ms.
  const pcm = new Int16Array(8000);
  for (let n = 0; n < pcm.length; n++) pcm[n] = Math.round(10_000 * Math.sin((2 * Math.PI * 425 * n) / 8000));
  const talkFile = join(dir, 'talk.ulaw');
  writeFileSync(talkFile, encode('PCMU', pcm));
  return {
    csvFile,
    callers,
    rows: callers * 2,
    keys: {
      pin_w: writeRfc4733Pcap(dir, WINNER_PIN, OFFERED_TE_PT),
      pin_l: writeRfc4733Pcap(dir, LOSER_PIN, OFFERED_TE_PT),
      talk: `${talkFile},-1,0`,
    },
  };
}
