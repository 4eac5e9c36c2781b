/**
 * quizconnect end to end, the callee legs (docs/quizconnect.md E1–E5): sipp plays every callee on the outbound domain
 * (by R-URI user); the test owns each callee's RTP socket, so it hears the prompts and types the PIN as RFC 4733
 * events at the telephone-event PT the server offered, or sipp types it by SIP INFO (application/dtmf-relay).
 * Run against one app (test/support/quiz-apps.ts) by quizconnect-callee.test.ts and quizconnect-dsm-callee.test.ts.
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
  isFlow,
  promptFramesMatched,
  transitions,
  withQuiz,
  type CalleeName,
  type QuizHarness,
} from '../../support/quizconnect-harness.js';
import { inbandPackets, sendTimed } from '../../support/rtp-dtmf.js';
import type { QuizApp } from '../../support/quiz-apps.js';

/** Resolves (with the time it saw it) once the callee's state graph has `count` transitions named `name`. */
async function calleeTook(h: QuizHarness, callee: CalleeName, name: string, count = 1): Promise<number> {
  await h.waitRecord(
    (r) => isFlow(r, 'quizconnect_callee') && r.requestUri.startsWith(`sip:${callee}@`) && transitions(r).filter((t) => t === name).length >= count,
    `${callee}: '${name}' x${count}`,
  );
  return performance.now();
}

/** The tests, run against `app`. */
export function calleeSuite(app: QuizApp): void {
  describe(`quizconnect callee legs (E1–E5) against sipp: ${app.label}`, () => {
    before(() => app.prepare());
    after(() => app.cleanup());

    it('E1: the callee answers (200, ACK) → RTP of the welcome_callee prompt', () =>
      withQuiz(app.options({}), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 3000 });
        await h.peers.john.waitFor(() => audible(h.peers.john.packets).length >= 50, 20_000, 'prompt RTP at john');
        assert.ok(
          promptFramesMatched(h.peers.john.packets, join(PROMPTS_DIR, 'welcome_callee.wav')) >= 50,
          'john hears welcome_callee, frame for frame',
        );
        assert.equal(h.peers.anna.packets.length, 0, 'anna never answered: no RTP to her');
        await assertPairPassed(pair);
        assert.deepEqual(transitions(h.calleeRecord('john')).slice(0, 1), ['session starts in callee leg']);
        await h.assertQuietAfterEnd();
      }));

    it('E2: a digit stops the prompt at once (barge-in) and is appended; the whole PIN then matches', () =>
      withQuiz(app.options({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
        const pt = await h.offeredTelephoneEventPt('john');
        await h.peers.john.waitFor(() => audible(h.peers.john.packets).length >= 10, 20_000, 'prompt RTP at john');
        const promptFrames = promptFramesMatched(h.peers.john.packets, join(PROMPTS_DIR, 'welcome_callee.wav'));
        assert.ok(promptFrames >= 10 && promptFrames < 60, 'the prompt has only just started (it lasts several seconds)');
        await h.typeRfc4733('john', '1', pt);
        const flushedAt = await calleeTook(h, 'john', 'pressed a number');
        // Absence can only be seen over a window: 1.5 s in which the prompt would have gone on.
        await new Promise((r) => setTimeout(r, 1500));
        // 500 ms of slack for packets already in flight (or read late on a loaded machine) when the key arrived.
        const late = audible(h.peers.john.packets).filter((p) => p.at > flushedAt + 500);
        assert.equal(late.length, 0, `${late.length} prompt packets after the barge-in`);
        await h.typeRfc4733('john', '2345', pt);
        await assertPairPassed(pair);
        await h.idle();
        const t = transitions(h.calleeRecord('john'));
        assert.equal(t.filter((x) => x === 'pressed a number').length, 5);
        assert.equal(t.filter((x) => x === "pin doesn't match").length, 4);
        assert.deepEqual(t.slice(-4), ['pressed a number', 'pin matches', 'ok, connected', app.step('hung up by caller leg')]);
        await h.assertQuietAfterEnd();
      }));

    it('E2 (in-band): the PIN as DTMF tones inside G.711 audio is understood too', () =>
      withQuiz(app.options({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
        const to = await h.firstRtp('john', 5);
        await sendTimed(inbandPackets('12345', 'PCMU', { toneMs: 100, gapMs: 100 }), (b) => h.peers.john.send(b, to.port, to.address));
        await assertPairPassed(pair);
        await h.idle();
        const t = transitions(h.calleeRecord('john'));
        assert.equal(t.filter((x) => x === 'pressed a number').length, 5, t.join(' | '));
        assert.deepEqual(t.slice(-3), ['pin matches', 'ok, connected', app.step('hung up by caller leg')]);
        await h.assertQuietAfterEnd();
      }));

    it('E3: # or * with a wrong PIN → digits cleared, sorry_pin_wrong plays, the callee types again', () =>
      withQuiz(app.options({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
        const pt = await h.offeredTelephoneEventPt('john');
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '99#', pt);
        await calleeTook(h, 'john', "pin doesn't match", 3);
        const mark = h.peers.john.packets.length;
        await h.peers.john.waitFor(() => audible(h.peers.john.packets.slice(mark)).length >= 25, 20_000, 'the sorry prompt');
        assert.ok(
          promptFramesMatched(h.peers.john.packets.slice(mark), join(PROMPTS_DIR, 'sorry_pin_wrong.wav')) >= 25,
          'john hears sorry_pin_wrong',
        );
        // '1234' then '*' is wrong too (entered digits were cleared, so '99' is not in front of them).
        await h.typeRfc4733('john', '1234*', pt);
        await calleeTook(h, 'john', 'pressed hash or star', 2);
        await h.typeRfc4733('john', '12345', pt);
        await assertPairPassed(pair);
        await h.idle();
        const t = transitions(h.calleeRecord('john'));
        assert.equal(t.filter((x) => x === 'pressed hash or star').length, 2);
        assert.deepEqual(t.slice(-3), ['pin matches', 'ok, connected', app.step('hung up by caller leg')]);
        await h.assertQuietAfterEnd();
      }));

    it('E4: the PIN matches (typed by SIP INFO) → the caller is told, the callee joins its room, both hear each other', () =>
      withQuiz(app.options({}), async (h) => {
        // anna types 54321 by SIP INFO right after the ACK; john just listens.
        const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'info' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 5000 });
        await h.callerIn('CONNECTED');
        const before = await h.talkBothWays('anna');
        assert.equal(h.heard('john', 1, before.john).length, 0, 'john hears nothing of the caller');
        await assertPairPassed(pair);
        await h.idle();
        const anna = transitions(h.calleeRecord('anna'));
        assert.deepEqual(anna.slice(-3), ['pin matches', 'ok, connected', app.step('hung up by caller leg')]);
        assert.ok(transitions(h.records('quizconnect_caller')[0]).includes('callee got it'));
        assert.match(readFileSync(h.calleeMessagesFile, 'utf8'), /Content-Type: application\/dtmf-relay/);
        await h.assertQuietAfterEnd();
      }));

    it('E5: another callee won → BYE to the answered ones, CANCEL to the one still ringing', () =>
      withQuiz(app.options({ rows: ROWS_WITH_BOB }), async (h) => {
        const pair = await h.startPair(
          { behaviours: { john: 'answer', anna: 'ring', bob: 'answer' } },
          { scenario: 'qc-caller-connect.xml', pauseMs: 1500 },
        );
        await h.firstRtp('bob', 5);
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
        await h.callerIn('CONNECTED');
        // The UAS scenario requires BYE for bob and CANCEL (→ 487) for anna.
        await assertPairPassed(pair);
        await h.idle();
        assert.equal(h.calleeRecord('anna')?.outcome, 'cancelled', 'anna was still ringing: CANCEL');
        assert.equal(h.calleeRecord('bob')?.endReason, app.endedByCallerLeg.endReason);
        const wire = readFileSync(h.calleeMessagesFile, 'utf8');
        assert.match(wire, /^CANCEL sip:anna@/m);
        assert.match(wire, /^BYE sip:bob@/m);
        await h.assertQuietAfterEnd();
      }));
  });
}
