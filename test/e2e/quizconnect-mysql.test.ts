/**
 * quizconnect with its callee table in MySQL/MariaDB (db_url mysql://…): a private MariaDB for this file, sipp as
 * caller and callees. C1 (early media), C4 (404), C7 (connect) against the real server, and C3 with the database
 * killed under the running app (500, logged as LOOKUP_CONNECT), then back (calls work again, no restart of the app).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLookup } from '../../packages/lookup/src/index.js';
import { startMariaDb, type MariaDb } from '../support/mariadb.js';
import { PROMPTS_DIR, QuizHarness, assertPairPassed, audible, promptFramesMatched, transitions } from '../support/quizconnect-harness.js';

describe('quizconnect on MySQL (MariaDB)', () => {
  let db: MariaDb;
  let url: string;
  let h: QuizHarness;

  before(async () => {
    db = await startMariaDb();
    url = await db.newDatabase('quizconnect');
    const admin = createLookup(url);
    await admin.open();
    await admin.initSchema();
    await admin.add('35', 'john', '12345');
    await admin.add('35', 'anna', '54321');
    await admin.close();
    h = await QuizHarness.start({ dbUrl: url });
  });
  after(async () => {
    await h?.stop();
    await db?.stop();
  });

  it('C1 (MySQL): rows from MariaDB → 100, 183 with SDP, the welcome_caller prompt as early media', async () => {
    const pair = await h.startPair({ behaviours: { john: 'ring', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 2500 });
    await assertPairPassed(pair);
    assert.ok(audible(h.peers.caller.packets).length >= 50);
    assert.ok(promptFramesMatched(h.peers.caller.packets, join(PROMPTS_DIR, 'welcome_caller.wav')) >= 50);
    await h.assertQuietAfterEnd();
  });

  it('C4 (MySQL): no rows for U → 404, no 183', async () => {
    await h.callAlone({ scenario: 'qc-caller-404.xml', user: '36' });
    await h.assertQuietAfterEnd();
  });

  it('C7 (MySQL): john types 12345 → connected, audio both ways, BYE', async () => {
    const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 4000 });
    await h.firstRtp('john', 5);
    await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
    await h.waitRecord((r) => r.flow === 'quizconnect_caller' && r.state === 'CONNECTED' && r.outcome === 'active', 'caller connected');
    await h.talkBothWays('john');
    await assertPairPassed(pair);
    await h.assertQuietAfterEnd();
  });

  it('C3 (MySQL): the database dies under the running app → 500, logged as LOOKUP_CONNECT; back up → calls work again', async () => {
    await db.kill();
    await h.callAlone({ scenario: 'qc-caller-500.xml' }, 'caller (db down)');
    await h.idle();
    const failed = h.records('quizconnect_caller').filter((r) => transitions(r).includes('DB error'));
    assert.equal(failed.length, 1);
    assert.ok(h.logs('error connecting to DB').some((l) => l['code'] === 'LOOKUP_CONNECT'));
    await db.restart();
    const back = await h.startPair({ behaviours: { john: 'ring', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 1500 });
    await assertPairPassed(back, { caller: 'caller (db back)', callees: 'callees (db back)' });
    await h.assertQuietAfterEnd();
  });
});
