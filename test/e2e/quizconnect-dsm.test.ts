/**
 * quizconnect imported from the DSM tutorial's scripts (`npm run import-dsm` + the committed TODO patch, see
 * docs/migrating-from-dsm.md), end to end with the same harness, sipp scenarios and RTP checks as apps/quizconnect:
 * the caller hears the welcome prompt as early media, one INVITE per row, the first callee to type its PIN is
 * connected (200 with the 183's SDP, both hear each other), CANCEL and BYE reach every leg. What differs by design
 * is what the DSM scripts do differently (they send 183 before the lookup, so a lookup failure or no row answers
 * after early media) and the state and transition names, which are the scripts' own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PROMPTS_DIR,
  ROWS_WITH_BOB,
  assertPairPassed,
  audible,
  promptFramesMatched,
  transitions,
  withQuiz,
  type QuizHarnessOptions,
} from '../support/quizconnect-harness.js';
import { QC_DSM_APP, importQuizconnectDsm } from '../../packages/dsm-import/test/quizconnect-app.js';
import type { TempApps } from '../../packages/dsm-import/test/support.js';

let imported: TempApps;
before(() => {
  imported = importQuizconnectDsm('qc-e2e');
});
after(() => imported.cleanup());

/** Harness options for the imported app: its folder, and the prompts of apps/quizconnect ($config.prompt_path). */
const dsm = (options: QuizHarnessOptions = {}): QuizHarnessOptions => ({
  ...options,
  app: { name: QC_DSM_APP, appsDir: imported.appsDir },
  config: { prompt_path: PROMPTS_DIR.replace(/\/$/, ''), ...options.config },
});

describe('quizconnect imported from DSM, against sipp', () => {
  it('C1/C5/C6: 183 + welcome prompt; one INVITE per row From quizconnect, no PIN on the wire; CANCEL → BYE to the answered callee, CANCEL to the ringing one', () =>
    withQuiz(dsm(), async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 3000 });
      await assertPairPassed(pair);
      assert.ok(
        promptFramesMatched(h.peers.caller.packets, join(PROMPTS_DIR, 'welcome_caller.wav')) >= 50,
        'the caller heard welcome_caller as early media',
      );
      const caller = readFileSync(h.callerMessagesFile, 'utf8');
      assert.match(caller, /SIP\/2\.0 183 Session Progress[\s\S]*m=audio \d+ RTP\/AVP 0/);
      assert.match(caller, /SIP\/2\.0 487/);
      const wire = readFileSync(h.calleeMessagesFile, 'utf8');
      const invites = [...wire.matchAll(/^INVITE (sip:\S+) SIP\/2\.0$/gm)].map((m) => m[1]);
      assert.deepEqual(
        invites.sort(),
        ['anna', 'john'].map((u) => `sip:${u}@127.0.0.1:${h.calleePort}`),
      );
      const froms = [...wire.matchAll(/^From: (.*)$/gm)].map((m) => m[1]!).filter((f) => !/SIPpTag/.test(f));
      assert.ok(froms.length >= 2 && froms.every((f) => /<sip:quizconnect@/.test(f)), froms.join('\n'));
      for (const pin of ['12345', '54321'])
        assert.ok(!wire.includes(`${pin}\r\n`) && !new RegExp(`[^0-9]${pin}[^0-9]`).test(wire), `PIN ${pin} on the wire`);
      assert.match(wire, /^BYE sip:john@/m);
      assert.match(wire, /^CANCEL sip:anna@/m);
      await h.idle();
      const c = h.records('quizconnect_caller')[0];
      assert.deepEqual(transitions(c).slice(0, 4), ['got INVITE in caller leg', 'we have results', 'create one more', 'create one more']);
      assert.deepEqual(transitions(c).slice(-4), ['CANCEL received', 'one more to cancel', 'one more to cancel', 'canceled all']);
      assert.ok(transitions(h.calleeRecord('john')).includes('session starts in callee leg'));
      await h.assertQuietAfterEnd();
    }));

  it('C7/E1/E2: john hears welcome_callee, types his PIN (RFC 4733) → anna ends, 200 OK (same SDP as the 183), caller and john hear each other', () =>
    withQuiz(dsm(), async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 6000 });
      await h.peers.john.waitFor(() => audible(h.peers.john.packets).length >= 10, 20_000, 'prompt RTP at john');
      assert.ok(promptFramesMatched(h.peers.john.packets, join(PROMPTS_DIR, 'welcome_callee.wav')) >= 10, 'john hears welcome_callee');
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await h.callerIn('CONNECTED');
      const before = await h.talkBothWays('john');
      assert.equal(h.heard('anna', 1, before.anna).length, 0, 'anna (ended) hears nothing of the caller');
      await assertPairPassed(pair);
      await h.idle();
      const john = transitions(h.calleeRecord('john'));
      assert.equal(john.filter((t) => t === 'pressed a number').length, 5);
      assert.equal(john.filter((t) => t === "pin doesn't match").length, 4);
      assert.ok(john.includes('pin matches') && john.includes('ok, connected'), john.join(' | '));
      const caller = transitions(h.records('quizconnect_caller')[0]);
      assert.ok(caller.includes('callee got it') && caller.includes('BYE received'), caller.join(' | '));
      assert.ok(transitions(h.calleeRecord('anna')).includes('got cancel from A leg'), 'anna was told to stop by the caller leg');
      await h.assertQuietAfterEnd();
    }));

  it('E3: # with a wrong PIN → sorry_pin_wrong plays and the digits are cleared; the right PIN then connects', () =>
    withQuiz(dsm({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
      const pt = await h.offeredTelephoneEventPt('john');
      await h.firstRtp('john', 5);
      await h.typeRfc4733('john', '99#', pt);
      const mark = h.peers.john.packets.length;
      await h.peers.john.waitFor(() => audible(h.peers.john.packets.slice(mark)).length >= 25, 20_000, 'the sorry prompt');
      assert.ok(promptFramesMatched(h.peers.john.packets.slice(mark), join(PROMPTS_DIR, 'sorry_pin_wrong.wav')) >= 25, 'john hears sorry_pin_wrong');
      await h.typeRfc4733('john', '12345', pt);
      await assertPairPassed(pair);
      await h.idle();
      const t = transitions(h.calleeRecord('john'));
      assert.equal(t.filter((x) => x === 'pressed hash or star').length, 1);
      assert.ok(t.includes('pin matches'), t.join(' | '));
      await h.assertQuietAfterEnd();
    }));

  it('E4/C8: anna types her PIN by SIP INFO → connected; then she hangs up → BYE to the caller', () =>
    withQuiz(dsm({ rows: [{ caller: '35', callee: 'anna', pin: '54321' }] }), async (h) => {
      const pair = await h.startPair({ behaviours: { anna: 'info' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 5000 });
      await h.callerIn('CONNECTED');
      await h.talkBothWays('anna');
      await assertPairPassed(pair);
      await h.idle();
      assert.match(readFileSync(h.calleeMessagesFile, 'utf8'), /Content-Type: application\/dtmf-relay/);
      await h.assertQuietAfterEnd();
    }));

  it('C8: after connect the callee hangs up → the caller gets BYE ("BYE in other leg")', () =>
    withQuiz(dsm({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'hangup' }, hangupAfterMs: 5000 }, { scenario: 'qc-caller-wait-bye.xml' });
      await h.firstRtp('john', 5);
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await h.callerIn('CONNECTED');
      await assertPairPassed(pair, { caller: 'caller (gets BYE)', callees: 'callee (sends BYE)' });
      await h.idle();
      assert.deepEqual(transitions(h.records('quizconnect_caller')[0]).slice(-1), ['BYE in other leg']);
      assert.deepEqual(transitions(h.calleeRecord('john')).slice(-1), ['BYE received']);
      await h.assertQuietAfterEnd();
    }));

  it('B2 (filled in by the patch): every callee refuses (busy) → the caller gets 480 instead of waiting forever', () =>
    withQuiz(dsm(), async (h) => {
      const pair = await h.startPair({ behaviours: { john: 'busy', anna: 'busy' } }, { scenario: 'qc-caller-480.xml' });
      await assertPairPassed(pair);
      await h.idle();
      assert.deepEqual(transitions(h.records('quizconnect_caller')[0]).slice(-1), ['all callees failed']);
      await h.assertQuietAfterEnd();
    }));

  it('E5: john wins → bob (answered) gets BYE, anna (ringing) CANCEL', () =>
    withQuiz(dsm({ rows: ROWS_WITH_BOB }), async (h) => {
      const pair = await h.startPair(
        { behaviours: { john: 'answer', anna: 'ring', bob: 'answer' } },
        { scenario: 'qc-caller-connect.xml', pauseMs: 1500 },
      );
      await h.firstRtp('bob', 5);
      await h.firstRtp('john', 5);
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await h.callerIn('CONNECTED');
      await assertPairPassed(pair);
      await h.idle();
      const wire = readFileSync(h.calleeMessagesFile, 'utf8');
      assert.match(wire, /^CANCEL sip:anna@/m);
      assert.match(wire, /^BYE sip:bob@/m);
      // DSM ends the losers itself: the caller leg posts a_status=CANCEL, their flow does stop(true).
      for (const loser of ['anna', 'bob'] as const) assert.ok(transitions(h.calleeRecord(loser)).includes('got cancel from A leg'), loser);
      await h.assertQuietAfterEnd();
    }));
});
