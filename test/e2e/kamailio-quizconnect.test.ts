/**
 * quizconnect behind the real Kamailio (deploy/kamailio/kamailio.cfg) on loopback, with its callee table in a private
 * MariaDB: sipp callers send to Kamailio, which dispatches to sipflow and record-routes; Kamailio is also the app's
 * outbound proxy (`outbound_proxy` in its config), so the callee legs go through it as well. The sipps honour
 * Record-Route (rrs, [routes], [next_url]): an in-dialog request without the recorded Route gets 404 from Kamailio,
 * so a scenario that passes took the record-routed path. Rows C1, C6, C7, C8 (BYE both ways) and B1.
 */
// Media engine: one pass only — the subject is routing through the proxy (callee legs included), which carries signalling only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLookup } from '../../packages/lookup/src/index.js';
import { startMariaDb, type MariaDb } from '../support/mariadb.js';
import {
  PROMPTS_DIR,
  assertPairPassed,
  audible,
  promptFramesMatched,
  transitions,
  withQuiz,
  type QuizHarness,
} from '../support/quizconnect-harness.js';

/** The messages of a sipp -trace_msg file whose start line matches, each as its header text. */
function messages(file: string, startLine: RegExp): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n\r?\n/)
    .map((block) => block.replace(/^[\s\S]*?(?=^(?:[A-Z]+ sip:|SIP\/2\.0 ))/m, ''))
    .filter((m) => startLine.test(m));
}

/** Every message matching `startLine` in the trace came through Kamailio: its top Via is the proxy's. */
function viaProxy(h: QuizHarness, file: string, startLine: RegExp): void {
  const found = messages(file, startLine);
  assert.ok(found.length > 0, `no ${startLine} in ${file}`);
  for (const m of found)
    assert.match(m, new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${h.proxy!.port};`, 'mi'), `${startLine} not through the proxy:\n${m}`);
}

const callerOf = (h: QuizHarness) => h.records('quizconnect_caller')[0];

/** The caller's ACK reached sipflow through the proxy: its 200 came once (a lost ACK would have it retransmitted). */
function ackedOnce(h: QuizHarness): void {
  const oks = messages(h.callerMessagesFile, /^SIP\/2\.0 200 /).filter((m) => /^CSeq:\s*1 INVITE/im.test(m));
  assert.equal(oks.length, 1, `the caller's 200 came ${oks.length} times (its ACK did not reach sipflow)`);
}

describe('quizconnect through Kamailio (dispatcher, record-route, outbound proxy) on MariaDB', () => {
  let db: MariaDb;
  let dbUrl: string;

  before(async () => {
    db = await startMariaDb();
    dbUrl = await db.newDatabase('quizconnect');
    const admin = createLookup(dbUrl);
    await admin.open();
    await admin.initSchema();
    await admin.add('35', 'john', '12345');
    await admin.add('35', 'anna', '54321');
    await admin.close();
  });
  after(async () => {
    await db?.stop();
  });

  it('C1 + C6: 183 and the welcome prompt through the proxy; the caller CANCELs → 487, john (answered) BYE, anna (ringing) CANCEL, both via the proxy', () =>
    withQuiz({ dbUrl, throughKamailio: true }, async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 3000 });
      await h.peers.caller.waitFor(() => audible(h.peers.caller.packets).length >= 25, 20_000, 'prompt RTP at the caller');
      await assertPairPassed(pair);
      assert.ok(
        promptFramesMatched(h.peers.caller.packets, join(PROMPTS_DIR, 'welcome_caller.wav')) >= 25,
        'C1: the welcome_caller prompt as early media',
      );
      await h.idle();
      assert.equal(callerOf(h)?.outcome, 'cancelled');
      assert.deepEqual(transitions(callerOf(h)).slice(-2), ['CANCEL received', 'canceled all']);
      assert.equal(h.calleeRecord('anna')?.outcome, 'cancelled');
      // The callee legs went to the proxy (outbound proxy), which record-routed them.
      viaProxy(h, h.calleeMessagesFile, /^INVITE sip:(john|anna)@/);
      for (const invite of messages(h.calleeMessagesFile, /^INVITE sip:/))
        assert.match(invite, new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${h.proxy!.port};lr`, 'mi'));
      viaProxy(h, h.calleeMessagesFile, /^BYE sip:john@/);
      viaProxy(h, h.calleeMessagesFile, /^CANCEL sip:anna@/);
      await h.assertQuietAfterEnd();
    }));

  it("C7 + C8 (caller hangs up): john types his PIN → 200 through the proxy, audio both ways, the caller's BYE reaches john via the proxy", () =>
    withQuiz({ dbUrl, throughKamailio: true }, async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 4000 });
      await h.firstRtp('john', 5);
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await h.callerIn('CONNECTED');
      const before = await h.talkBothWays('john');
      assert.equal(h.heard('anna', 1, before.anna).length, 0, 'anna (ended) hears nothing of the caller');
      await assertPairPassed(pair);
      await h.idle();
      assert.deepEqual(transitions(callerOf(h)).slice(-1), ['BYE received']);
      assert.equal(h.calleeRecord('john')?.outcome, 'completed');
      assert.equal(h.calleeRecord('anna')?.endReason, 'hung up by owner');
      viaProxy(h, h.calleeMessagesFile, /^ACK sip:(john|anna)@/);
      ackedOnce(h);
      viaProxy(h, h.calleeMessagesFile, /^BYE sip:(john|anna)@/);
      await h.assertQuietAfterEnd();
    }));

  it("C8 (callee hangs up): john's BYE reaches sipflow via the proxy, and sipflow's BYE reaches the caller via the proxy", () =>
    withQuiz({ dbUrl, throughKamailio: true }, async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'hangup', anna: 'ring' }, hangupAfterMs: 5000 }, { scenario: 'qc-caller-wait-bye.xml' });
      await h.firstRtp('john', 5);
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await h.callerIn('CONNECTED');
      await assertPairPassed(pair, { caller: 'caller (gets BYE)', callees: 'callees (john sends BYE, anna CANCELled)' });
      await h.idle();
      assert.deepEqual(transitions(callerOf(h)).slice(-1), ['BYE in other leg']);
      assert.deepEqual(transitions(h.calleeRecord('john')).slice(-1), ['BYE received']);
      viaProxy(h, h.callerMessagesFile, /^BYE sip:caller@/);
      ackedOnce(h);
      viaProxy(h, h.calleeMessagesFile, /^CANCEL sip:anna@/);
      await h.assertQuietAfterEnd();
    }));

  it('B1: nobody types the PIN within ring_timeout → john BYE, anna CANCEL (via the proxy), the caller gets 480 through it', () =>
    withQuiz({ dbUrl, throughKamailio: true, config: { ring_timeout: 2 } }, async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'ring' } }, { scenario: 'qc-caller-480.xml' });
      await assertPairPassed(pair, { caller: 'caller (480)', callees: 'callees (john BYE, anna CANCEL)' });
      await h.idle();
      assert.deepEqual(transitions(callerOf(h)).slice(-1), ['ring timeout']);
      assert.equal(callerOf(h)?.endReason, '480');
      viaProxy(h, h.calleeMessagesFile, /^BYE sip:john@/);
      viaProxy(h, h.calleeMessagesFile, /^CANCEL sip:anna@/);
      await h.assertQuietAfterEnd();
    }));
});
