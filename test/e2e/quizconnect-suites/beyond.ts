/**
 * quizconnect end to end, what the tutorial's scripts left broken (docs/quizconnect.md B1–B6): ring timeout, every
 * callee failing, a callee hanging up mid-PIN, two callees matching at once, digest challenges on callee legs,
 * and an unexpected failure inside a flow. sipp plays the caller and every callee; the test owns the RTP sockets.
 * Run against one app (test/support/quiz-apps.ts) by quizconnect-beyond.test.ts and quizconnect-dsm-beyond.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PROMPTS_DIR,
  ROWS_WITH_BOB,
  assertPairPassed,
  isFlow,
  transitions,
  withQuiz,
  type CalleeName,
  type QuizHarness,
} from '../../support/quizconnect-harness.js';
import { noRowsScenario, type QuizApp } from '../../support/quiz-apps.js';

const callerOf = (h: QuizHarness) => h.records('quizconnect_caller')[0];

/** The tests, run against `app`. */
export function beyondSuite(app: QuizApp): void {
  describe(`quizconnect beyond the tutorial (B1–B6) against sipp: ${app.label}`, () => {
    before(() => app.prepare());
    after(() => app.cleanup());

    it('B1: nobody types the PIN within ring_timeout → callee legs ended (BYE / CANCEL), caller gets 480', () =>
      withQuiz(app.options({ config: { ring_timeout: 2 } }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'ring' } }, { scenario: 'qc-caller-480.xml' });
        await assertPairPassed(pair, { caller: 'caller (480)', callees: 'callees (john BYE, anna CANCEL)' });
        await h.idle();
        assert.deepEqual(transitions(callerOf(h)).slice(-app.callerRingTimeout.length), app.callerRingTimeout);
        assert.equal(callerOf(h)?.endReason, '480');
        await h.assertQuietAfterEnd();
      }));

    it('B2: every callee leg fails (busy, 404, hangs up) → 480 at once, without waiting for ring_timeout', () =>
      withQuiz(app.options({ rows: ROWS_WITH_BOB, config: { ring_timeout: 60 } }), async (h) => {
        const pair = await h.startPair(
          { behaviours: { john: 'busy', anna: 'notfound', bob: 'hangup' }, hangupAfterMs: 1000 },
          { scenario: 'qc-caller-480.xml', timeoutSec: 45 },
        );
        await assertPairPassed(pair, { caller: 'caller (480)' });
        await h.idle();
        const t = transitions(callerOf(h));
        assert.deepEqual(t.slice(-1), ['all callees failed']);
        assert.ok(!t.includes('ring timeout'));
        await h.assertQuietAfterEnd();
      }));

    it('B3: a callee hangs up while typing its PIN → that leg ends cleanly, the other goes on and wins', () =>
      withQuiz(app.options({}), async (h) => {
        const pair = await h.startPair(
          { behaviours: { john: 'hangup', anna: 'answer' }, hangupAfterMs: 2500 },
          { scenario: 'qc-caller-connect.xml', pauseMs: 1500 },
        );
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '12', await h.offeredTelephoneEventPt('john'));
        await h.calleeIn('john', 'END');
        const mid = await h.waitRecord((r) => isFlow(r, 'quizconnect_caller'), 'caller');
        assert.equal(mid.state, 'WAIT_CALLEE', 'the caller still waits for anna');
        await h.firstRtp('anna', 5);
        await h.typeRfc4733('anna', '54321', await h.offeredTelephoneEventPt('anna'));
        await assertPairPassed(pair);
        await h.idle();
        const john = transitions(h.calleeRecord('john'));
        assert.deepEqual(john.filter((x) => x === 'pressed a number').length, 2);
        assert.deepEqual(john.slice(-1), [app.calleeHungUpWhileTyping]);
        const t = transitions(callerOf(h));
        assert.ok(t.indexOf('callee leg ended') >= 0 && t.indexOf('callee leg ended') < t.indexOf('callee got it'), t.join(' | '));
        assert.deepEqual(transitions(h.calleeRecord('anna')).slice(-2), ['ok, connected', app.step('hung up by caller leg')]);
        await h.assertQuietAfterEnd();
      }));

    it('B4: two callees match at the same moment → exactly one is connected, the other ended; never three in a room', () =>
      withQuiz(app.options({}), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 4000 });
        await Promise.all([h.firstRtp('john', 5), h.firstRtp('anna', 5)]);
        const [ptJ, ptA] = await Promise.all([h.offeredTelephoneEventPt('john'), h.offeredTelephoneEventPt('anna')]);
        await Promise.all([h.typeRfc4733('john', '12345', ptJ), h.typeRfc4733('anna', '54321', ptA)]);
        await h.callerIn('CONNECTED');
        const marks: Record<string, number> = { john: h.peers.john.packets.length, anna: h.peers.anna.packets.length };
        await h.talk('caller', 1);
        const connected = (['john', 'anna'] as CalleeName[]).filter((u) =>
          h.records('quizconnect_callee').some((r) => r.requestUri.startsWith(`sip:${u}@`) && transitions(r).includes('ok, connected')),
        );
        assert.equal(connected.length, 1, `connected: ${connected.join(', ')}`);
        const winner = connected[0]!;
        const loser: CalleeName = winner === 'john' ? 'anna' : 'john';
        await h.peers[winner].waitFor(() => h.heard(winner, 1, marks[winner] ?? 0).length >= 40, 15_000, `${winner} to hear the caller`);
        assert.equal(h.heard(loser, 1, marks[loser] ?? 0).length, 0, `${loser} must not hear the caller`);
        await assertPairPassed(pair, { callees: 'callees (both get BYE)' });
        await h.idle();
        assert.equal(transitions(callerOf(h)).filter((x) => x === 'callee got it').length, 1);
        assert.ok(!transitions(h.calleeRecord(loser)).includes('ok, connected'));
        assert.equal(h.calleeRecord(loser)?.endReason, app.endedByCallerLeg.endReason);
        await h.assertQuietAfterEnd();
      }));

    it('B5: a callee leg gets a digest challenge (401) → answered with the configured credentials; wrong ones fail the leg', async () => {
      await withQuiz(app.options({ config: { outbound_auth_user: 'qc', outbound_auth_password: 's3cret' } }), async (h) => {
        // john challenges and checks the digest (sipp verifyauth qc/s3cret: 403 if wrong); anna is busy.
        const pair = await h.startPair({ behaviours: { john: 'auth', anna: 'busy' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
        await assertPairPassed(pair);
        const wire = readFileSync(h.calleeMessagesFile, 'utf8');
        assert.match(wire, /^Authorization: Digest .*username="qc"/m);
        assert.ok(!wire.includes('s3cret'), 'the password never goes on the wire');
        await h.idle();
        assert.deepEqual(transitions(h.calleeRecord('john')).slice(-2), ['ok, connected', app.step('hung up by caller leg')]);
        await h.assertQuietAfterEnd();
      });
      await withQuiz(app.options({ config: { outbound_auth_user: 'qc', outbound_auth_password: 'wrong' } }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'auth', anna: 'busy' } }, { scenario: 'qc-caller-480.xml' });
        await assertPairPassed(pair, { caller: 'caller (480: both failed)' });
        assert.match(readFileSync(h.calleeMessagesFile, 'utf8'), /^SIP\/2\.0 403 Forbidden/m);
        await h.assertQuietAfterEnd();
      });
    });

    it('B6: an unexpected failure inside a flow → the leg ends with a proper SIP answer, nothing left behind, the server keeps serving', async () => {
      // welcome_callee.wav is missing: each callee flow fails right after its 200 → BYE to it; then 480 to the caller.
      const prompts = mkdtempSync(join(tmpdir(), 'qc-b6-'));
      for (const f of ['welcome_caller.wav', 'sorry_pin_wrong.wav']) copyFileSync(join(PROMPTS_DIR, f), join(prompts, f));
      try {
        await withQuiz(app.options({ config: { prompt_path: prompts } }), async (h) => {
          const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'answer' } }, { scenario: 'qc-caller-480.xml' });
          await assertPairPassed(pair, { caller: 'caller (480)', callees: 'callees (BYE after the failure)' });
          await h.idle();
          for (const u of ['john', 'anna'] as const) assert.deepEqual(transitions(h.calleeRecord(u)).slice(-1), [app.calleeFailure.lastTransition]);
          assert.deepEqual(transitions(callerOf(h)).slice(-1), ['all callees failed']);
          assert.ok(h.logs(app.calleeFailure.log).length >= 2);
          // The server keeps serving.
          await h.callAlone({ scenario: noRowsScenario(app), user: '36' }, 'next caller (404)');
          await h.assertQuietAfterEnd();
        });
      } finally {
        rmSync(prompts, { recursive: true, force: true });
      }
    });
  });
}
