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
import {
  PROMPTS_DIR,
  QuizHarness,
  audible,
  promptFramesMatched,
  sippReport,
  transitions,
} from '../support/quizconnect-harness.js';

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
    const callees = await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' } });
    const caller = await h.call({ scenario: 'qc-caller-cancel.xml', pauseMs: 2500 });
    const [rc, re] = await Promise.all([caller.done, callees.done]);
    assert.equal(rc.code, 0, sippReport('caller', rc));
    assert.equal(re.code, 0, sippReport('callees', re));
    assert.ok(audible(h.peers.caller.packets).length >= 50);
    assert.ok(promptFramesMatched(h.peers.caller.packets, join(PROMPTS_DIR, 'welcome_caller.wav')) >= 50);
    await h.assertQuietAfterEnd();
  });

  it('C4 (MySQL): no rows for U → 404, no 183', async () => {
    const rc = await (await h.call({ scenario: 'qc-caller-404.xml', user: '36' })).done;
    assert.equal(rc.code, 0, sippReport('caller', rc));
    await h.assertQuietAfterEnd();
  });

  it('C7 (MySQL): john types 12345 → connected, audio both ways, BYE', async () => {
    const callees = await h.startCallees({ behaviours: { john: 'answer', anna: 'answer' } });
    const caller = await h.call({ scenario: 'qc-caller-connect.xml', pauseMs: 4000 });
    await h.firstRtp('john', 5);
    await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
    await h.waitRecord((r) => r.flow === 'quizconnect_caller' && r.state === 'CONNECTED' && r.outcome === 'active', 'caller connected');
    const c0 = h.peers.caller.packets.length;
    const j0 = h.peers.john.packets.length;
    await Promise.all([h.talk('caller', 1), h.talk('john', 2)]);
    await h.peers.john.waitFor(() => h.heard('john', 1, j0).length >= 40, 15_000, 'john to hear the caller');
    await h.peers.caller.waitFor(() => h.heard('caller', 2, c0).length >= 40, 15_000, 'the caller to hear john');
    const [rc, re] = await Promise.all([caller.done, callees.done]);
    assert.equal(rc.code, 0, sippReport('caller', rc));
    assert.equal(re.code, 0, sippReport('callees', re));
    await h.assertQuietAfterEnd();
  });

  it('C3 (MySQL): the database dies under the running app → 500, logged as LOOKUP_CONNECT; back up → calls work again', async () => {
    await db.kill();
    const down = await (await h.call({ scenario: 'qc-caller-500.xml' })).done;
    assert.equal(down.code, 0, sippReport('caller (db down)', down));
    await h.idle();
    const failed = h.records('quizconnect_caller').filter((r) => transitions(r).includes('DB error'));
    assert.equal(failed.length, 1);
    assert.ok(h.logs('error connecting to DB').some((l) => l['code'] === 'LOOKUP_CONNECT'));
    await db.restart();
    const callees = await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' } });
    const back = await h.call({ scenario: 'qc-caller-cancel.xml', pauseMs: 1500 });
    const [rc, re] = await Promise.all([back.done, callees.done]);
    assert.equal(rc.code, 0, sippReport('caller (db back)', rc));
    assert.equal(re.code, 0, sippReport('callees (db back)', re));
    await h.assertQuietAfterEnd();
  });
});
