/** The app's lookup resources against real SQLite files: seeding the default DB, parameterised queries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLookup } from '@sipflow/lookup';
import { openResources } from '../src/resources.js';
import { quizConfig } from './fixtures.js';

const log = pino({ level: 'silent' });

test('a given SQLite file is used as is (not seeded); injection-looking users find nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qc-res-'));
  try {
    const url = `sqlite:${join(dir, 'q.sqlite')}`;
    const admin = createLookup(url);
    await admin.open();
    await admin.initSchema();
    await admin.add('40', 'eve', '999');
    await admin.close();
    const res = await openResources(quizConfig({ db_url: url }), log);
    try {
      assert.deepEqual(
        (await res.calleesFor('40')).map((r) => [r.callee, r.pin]),
        [['eve', '999']],
      );
      assert.deepEqual(await res.calleesFor('35'), [], 'demo rows are only seeded into the default file');
      assert.deepEqual(await res.calleesFor("40' OR '1'='1"), []);
    } finally {
      await res.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MySQL down at start-up: the app still starts, lookups reject with LOOKUP_CONNECT', async () => {
  const res = await openResources(quizConfig({ db_url: 'mysql://u:p@127.0.0.1:1/quizconnect' }), log);
  try {
    await assert.rejects(res.calleesFor('35'), (err: { code?: string }) => err.code === 'LOOKUP_CONNECT');
  } finally {
    await res.close();
  }
});
