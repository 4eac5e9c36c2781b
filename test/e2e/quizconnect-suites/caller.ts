/**
 * quizconnect end to end, the caller leg (docs/quizconnect.md C1–C8): the real server and app on loopback, sipp as the
 * caller and as every callee (one UAS on the outbound domain, by R-URI user), RTP seen and sent by sockets the test
 * owns (the SDPs sipp sends name them). Each test asserts the SIP codes (scenario + sipp exit 0), the RTP, the
 * state graphs in the registry, that no RTP flows after the end and that the registry has no active call.
 * Run against one app (test/support/quiz-apps.ts) by quizconnect-caller.test.ts and quizconnect-dsm-caller.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sqlite from 'node-sqlite3-wasm';
import { PROMPTS_DIR, assertPairPassed, audible, promptFramesMatched, states, transitions, withQuiz } from '../../support/quizconnect-harness.js';
import { freePort } from '../../support/ports.js';
import { noRowsScenario, type QuizApp } from '../../support/quiz-apps.js';

/** A prompt folder with the app's prompts, minus or plus some. */
function promptDir(edit: (dir: string) => void): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'qc-prompts-'));
  for (const f of ['welcome_caller.wav', 'welcome_callee.wav', 'sorry_pin_wrong.wav']) copyFileSync(join(PROMPTS_DIR, f), join(dir, f));
  edit(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The tests, run against `app`. */
export function callerSuite(app: QuizApp): void {
  describe(`quizconnect caller leg (C1–C8) against sipp: ${app.label}`, () => {
    before(() => app.prepare());
    after(() => app.cleanup());

    it('C1: INVITE to U → 100 Trying, 183 with SDP, and the welcome_caller prompt as early media', () =>
      withQuiz(app.options({}), async (h) => {
        // The scenario requires 100 and a 183 carrying m=audio, listens for -d ms, then CANCELs.
        const pair = await h.startPair({ behaviours: { john: 'ring', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 2500 });
        await assertPairPassed(pair);
        const early = audible(h.peers.caller.packets);
        assert.ok(early.length >= 50, `at least 1 s of prompt audio before the CANCEL, got ${early.length} packets`);
        // Bit-exact frames of welcome_caller.wav as µ-law, in order.
        assert.ok(promptFramesMatched(h.peers.caller.packets, join(PROMPTS_DIR, 'welcome_caller.wav')) >= 50, 'the RTP is the welcome_caller prompt');
        const caller183 = readFileSync(h.callerMessagesFile, 'utf8');
        assert.match(caller183, /SIP\/2\.0 100 Trying/);
        assert.match(caller183, /SIP\/2\.0 183 Session Progress[\s\S]*m=audio \d+ RTP\/AVP 0/);
        assert.deepEqual(states(h.records('quizconnect_caller')[0]).slice(0, 3), app.statesOnInvite);
        await h.assertQuietAfterEnd();
      }));

    it('C2: welcome prompt missing or unreadable → 500, no callee leg created, the log names the file', async () => {
      for (const [what, edit] of [
        ['missing', (d: string) => rmSync(join(d, 'welcome_caller.wav'))],
        ['unreadable', (d: string) => writeFileSync(join(d, 'welcome_caller.wav'), 'this is not a WAV file')],
      ] as const) {
        const prompts = promptDir(edit);
        try {
          await withQuiz(app.options({ config: { prompt_path: prompts.dir } }), async (h) => {
            await h.callAlone({ scenario: 'qc-caller-500.xml' }, `caller (${what})`);
            await h.idle();
            assert.deepEqual(h.records('quizconnect_callee'), [], `no callee leg (${what})`);
            assert.ok(transitions(h.records('quizconnect_caller')[0]).includes('error opening file'));
            const logged = h.logs(app.promptError.log);
            assert.ok(
              logged.some((l) => app.promptError.detail(l).includes('welcome_caller.wav')),
              `the log names the file (${what}): ${JSON.stringify(logged)}`,
            );
            await h.assertQuietAfterEnd();
          });
        } finally {
          prompts.cleanup();
        }
      }
    });

    it('C3: database unreachable, or the query fails → 500 (before any 183 where the app looks up first); the log says which', async () => {
      // Unreachable: a MySQL URL nobody listens on (the MariaDB variant kills a real server: quizconnect-mysql).
      const closed = await freePort();
      await withQuiz(app.options({ dbUrl: `mysql://qc:pw@127.0.0.1:${closed}/quizconnect` }), async (h) => {
        await h.callAlone({ scenario: 'qc-caller-500.xml' }, 'caller (db down)');
        await h.idle();
        assert.ok(transitions(h.records('quizconnect_caller')[0]).includes(app.dbErrors.connect.transition));
        assert.equal(app.errorCodeOf(h.logs(app.dbErrors.connect.log)[0] ?? {}), 'LOOKUP_CONNECT');
        if (app.lookupBeforeEarlyMedia) {
          assert.equal(audible(h.peers.caller.packets).length, 0, 'no early media: the lookup comes first');
          assert.doesNotMatch(readFileSync(h.callerMessagesFile, 'utf8'), /SIP\/2\.0 183/);
        } else assert.match(readFileSync(h.callerMessagesFile, 'utf8'), /SIP\/2\.0 183[\s\S]*SIP\/2\.0 500/, '183 first, then 500');
        await h.assertQuietAfterEnd();
      });
      // The query fails: the callees table is dropped under the running server.
      await withQuiz(app.options({}), async (h) => {
        const db = new sqlite.Database(h.dbFile);
        try {
          db.exec('DROP TABLE callees');
        } finally {
          db.close();
        }
        await h.callAlone({ scenario: 'qc-caller-500.xml' }, 'caller (query fails)');
        await h.idle();
        assert.ok(transitions(h.records('quizconnect_caller')[0]).includes(app.dbErrors.query.transition));
        assert.equal(app.errorCodeOf(h.logs(app.dbErrors.query.log)[0] ?? {}), 'LOOKUP_QUERY');
        await h.assertQuietAfterEnd();
      });
    });

    it('C4: no rows for U → 404 Not Found, with no 183 before it where the app looks up first (the SEMS 404 path that never fired)', () =>
      withQuiz(app.options({}), async (h) => {
        // The scenario fails on anything but 100 / 404 (a 183 first would fail it); or 100 / 183 / 404 for an app that
        // answers 183 before its lookup.
        await h.callAlone({ scenario: noRowsScenario(app), user: '36' });
        await h.idle();
        assert.deepEqual(transitions(h.records('quizconnect_caller')[0]), ['got INVITE in caller leg', 'no results']);
        assert.deepEqual(h.records('quizconnect_callee'), []);
        // No RTP at all before the 404: our SDP answer never went out, so the stream never sent.
        if (app.lookupBeforeEarlyMedia) assert.equal(h.peers.caller.packets.length, 0);
        await h.assertQuietAfterEnd();
      }));

    it('C5: rows found → one INVITE per row to sip:<callee>@<outbound_domain>, From quizconnect; no PIN on the wire', () =>
      withQuiz(
        app.options({
          rows: [
            // Long PINs: a 5-digit one can turn up by chance in sipp's trace (microsecond timestamps, pids in Call-IDs).
            { caller: '35', callee: 'john', pin: '314159265' },
            { caller: '35', callee: 'anna', pin: '271828182' },
            { caller: '35', callee: 'bob', pin: '161803398' },
            { caller: '77', callee: 'john', pin: '141421356' },
          ],
        }),
        async (h) => {
          const pair = await h.startPair(
            { behaviours: { john: 'ring', anna: 'ring', bob: 'ring' } },
            { scenario: 'qc-caller-cancel.xml', pauseMs: 2000 },
          );
          await assertPairPassed(pair);
          const wire = readFileSync(h.calleeMessagesFile, 'utf8');
          // One INVITE transaction per row; a retransmission (Timer A, when sipp answers late on a busy machine) is the
          // same INVITE again, told apart by its Via branch.
          const inviteTransactions = new Map<string, string>();
          for (const block of wire.split(/^-{10,}.*$/m)) {
            const uri = /^INVITE (sip:\S+) SIP\/2\.0$/m.exec(block)?.[1];
            const branch = /^Via:.*;branch=([^;\s]+)/m.exec(block)?.[1];
            if (uri && branch) inviteTransactions.set(branch, uri);
          }
          const invites = [...inviteTransactions.values()];
          assert.deepEqual(invites.sort(), ['john', 'anna', 'bob'].map((u) => `sip:${u}@127.0.0.1:${h.calleePort}`).sort());
          const froms = [...wire.matchAll(/^From: (.*)$/gm)].map((m) => m[1]!).filter((f) => !/SIPpTag/.test(f));
          assert.ok(froms.length >= 3 && froms.every((f) => /<sip:quizconnect@/.test(f)), froms.join('\n'));
          const callerWire = readFileSync(h.callerMessagesFile, 'utf8');
          for (const pin of ['314159265', '271828182', '161803398', '141421356']) {
            assert.ok(!wire.includes(pin), `PIN ${pin} went to a callee`);
            assert.ok(!callerWire.includes(pin), `PIN ${pin} went to the caller`);
          }
          await h.assertQuietAfterEnd();
        },
      ));

    it('C6: CANCEL before a match → 200 + 487; the answered callee gets BYE, the ringing one CANCEL', () =>
      withQuiz(app.options({}), async (h) => {
        // john answers (→ BYE expected), anna rings (→ CANCEL expected): the UAS scenario fails otherwise.
        const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 3000 });
        await assertPairPassed(pair);
        await h.idle();
        const c = h.records('quizconnect_caller')[0];
        assert.equal(c?.outcome, 'cancelled');
        assert.deepEqual(transitions(c).slice(-app.callerCancelled.length), app.callerCancelled);
        assert.ok(transitions(h.calleeRecord('john')).includes('session starts in callee leg'), 'john had answered');
        assert.equal(h.calleeRecord('anna')?.outcome, 'cancelled', 'anna was still ringing: CANCEL');
        const wire = readFileSync(h.calleeMessagesFile, 'utf8');
        assert.match(wire, /^BYE sip:john@/m);
        assert.match(wire, /^CANCEL sip:anna@/m);
        await h.assertQuietAfterEnd();
      }));

    it('C7: a callee types its PIN (RFC 4733) → others end, 200 OK (same SDP as the 183), caller and callee hear each other', () =>
      withQuiz(app.options({}), async (h) => {
        // The scenario fails if the 200's SDP differs from the 183's; it talks for -d ms after the ACK, then BYE.
        const pair = await h.startPair({ behaviours: { john: 'answer', anna: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 6000 });
        // Between 183 and 200 (the 200 only comes after the PIN): the welcome_caller prompt, frame for frame.
        await h.peers.caller.waitFor(() => audible(h.peers.caller.packets).length >= 25, 20_000, 'prompt RTP at the caller');
        assert.ok(promptFramesMatched(h.peers.caller.packets, join(PROMPTS_DIR, 'welcome_caller.wav')) >= 25);
        await h.firstRtp('john', 5);
        const pt = await h.offeredTelephoneEventPt('john');
        await h.typeRfc4733('john', '12345', pt);
        await h.callerIn('CONNECTED');
        const before = await h.talkBothWays('john');
        assert.equal(h.heard('anna', 1, before.anna).length, 0, 'anna (ended) hears nothing of the caller');
        await assertPairPassed(pair);
        await h.idle();
        assert.deepEqual(transitions(h.records('quizconnect_caller')[0]), [...app.callerConnected, 'BYE received']);
        assert.deepEqual(transitions(h.calleeRecord('john')).slice(-3), ['pin matches', 'ok, connected', app.step('hung up by caller leg')]);
        assert.equal(h.calleeRecord('anna')?.endReason, app.endedByCallerLeg.endReason);
        await h.assertQuietAfterEnd();
      }));

    it('C8: after connect, BYE from either side → 200, BYE to the other side, both legs end', async () => {
      // The callee hangs up: the caller gets BYE.
      await withQuiz(app.options({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'hangup' }, hangupAfterMs: 5000 }, { scenario: 'qc-caller-wait-bye.xml' });
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
        await h.callerIn('CONNECTED');
        await assertPairPassed(pair, { caller: 'caller (gets BYE)', callees: 'callee (sends BYE)' });
        await h.idle();
        assert.deepEqual(transitions(h.records('quizconnect_caller')[0]).slice(-1), ['BYE in other leg']);
        assert.deepEqual(transitions(h.calleeRecord('john')).slice(-1), ['BYE received']);
        await h.assertQuietAfterEnd();
      });
      // The caller hangs up: the callee gets BYE.
      await withQuiz(app.options({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] }), async (h) => {
        const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
        await assertPairPassed(pair, { caller: 'caller (sends BYE)', callees: 'callee (gets BYE)' });
        await h.idle();
        assert.deepEqual(transitions(h.records('quizconnect_caller')[0]).slice(-1), ['BYE received']);
        assert.equal(h.calleeRecord('john')?.outcome, 'completed');
        await h.assertQuietAfterEnd();
      });
    });
  });
}
