/**
 * The row "30 % SIP loss, CANCEL 4 s after the 100": a sipp caller loses 30 % of what it sends and receives, at
 * random (-lost 30, seeded by the clock: not chosen losses), and CANCELs 4 s after the server's first answer (100 or
 * 183), call after call, against the real server running quizconnect (every call rings two callees, a sipp UAS that
 * rings until CANCELled). The server's T1 is 100 ms, so 64·T1 — the longest any transaction may live — is 6.4 s.
 *
 * Shown:
 *   - every call ended correctly: sipp counts every call successful (its scenario survives loss by retransmission
 *     only, and fails on any other answer — a 481 to its CANCEL, a 480, a 500), except a caller whose INVITE got no
 *     answer through in 6 tries (legal: it gives up, sends nothing more); the registry ended every caller leg as
 *     cancelled by its caller (or, for one that gave up, by the flow's ring timeout) and every callee leg as
 *     cancelled by its flow;
 *   - no call outlives its transactions: within 64·T1 of sipp's last message the admin API's `/calls` lists nothing,
 *     and the SIP stack has nothing pending (no transaction waiting, no answer waiting for its ACK), no stream left.
 * The raw-UDP cases with chosen losses (each message of the exchange lost once, a 487 never re-sent) are
 * test/e2e/sip-lossy-cancel.test.ts.
 */
// Media engine: one pass only — its subject is SIP retransmission and the call registry under loss; the CANCEL
// paths' media (streams closed) run in both modes in sip-lossy-cancel and the quizconnect caller suites.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scenario, withQuiz, type QuizHarness } from '../support/quizconnect-harness.js';
import { NO_HEADROOM_RULE } from '../support/admission-flood.js';
import { freePort } from '../support/ports.js';
import { sippCallDebug, sippErrorEntries, startSipp, unexpectedMessageCallIds } from '../support/sipp.js';

const T1 = 100;
const LIFETIME_MS = 64 * T1;
/** Room for a loaded machine (the test runs beside others on 2 vCPUs). */
const SLACK_MS = 3000;
const CALLS = 30;
const RATE = 10;
const LOSS_PERCENT = 30;
const CANCEL_AFTER_MS = 4000;
/**
 * quizconnect's ring timeout: longer than a caller may take to get its first answer through (its 5th INVITE
 * retransmission, 15.5 s) plus the 4 s before its CANCEL, and longer than sipp's Timer B (31.5 s: 5 retransmissions,
 * 0.5 s doubling), with 3.5 s to spare. A caller whose INVITE reached us but none of whose answers got through never
 * CANCELs: our ring timeout answers it 480, legally (a final response ends its INVITE's Calling state, RFC 3261
 * §17.1.1.2). With a ring timeout shorter than Timer B (25 s before this change) that 480 reached a caller still
 * retransmitting, whose scenario takes no 480 (a 480 after a provisional must fail the call), so the call failed as an
 * unexpected message (b93606b's CI run). Now such a caller has given up before our 480 comes (a dead call's). The longer
 * timeout also leaves a CANCEL more time to get through: a 480 crossing it now takes 6 to 10 lost copies in a row.
 */
const RING_TIMEOUT_S = 35;

/** `/calls` of the admin API: the calls it lists now. */
async function listedCalls(h: QuizHarness): Promise<number> {
  const admin = h.server.admin!;
  const res = await fetch(`http://${admin.host}:${admin.port}/calls`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { count: number }).count;
}

/** Polls `/calls` until it lists nothing; resolves the ms it took, or fails after `ms`. */
async function untilNoCallListed(h: QuizHarness, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const listed = await listedCalls(h);
    if (listed === 0) return Date.now() - start;
    const states = h.server.registry
      .list()
      .map((r) => `${r.flow} ${r.state}`)
      .join(', ');
    if (Date.now() - start > ms) assert.fail(`${listed} calls still listed ${ms} ms after the last message: ${states}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('30 % SIP loss at random, CANCEL 4 s after the first answer (sipp -lost 30, quizconnect, T1 = 100 ms)', () => {
  it('every call ends as its caller chose, and none is listed or pending 64·T1 after the last message', async (t) => {
    const admin = { host: '127.0.0.1', port: await freePort() };
    const config = { ring_timeout: RING_TIMEOUT_S };
    await withQuiz({ admin, sipTimers: { t1: T1, t2: 400, t4: 500 }, admission: NO_HEADROOM_RULE, config }, async (h) => {
      await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' }, calls: 100_000, timeoutSec: 150 });
      const caller = await startSipp({
        scenario: { file: scenario('qc-caller-lossy-cancel.xml') },
        remote: `127.0.0.1:${h.server.sip.port}`,
        service: '35',
        calls: CALLS,
        rate: RATE,
        keys: { rtp_port: String(h.peers.caller.port) },
        timeoutSec: 150,
        callDebug: true,
        args: ['-d', String(CANCEL_AFTER_MS), '-lost', String(LOSS_PERCENT), '-recv_timeout', '60000'],
      });
      const res = await caller.done;
      // sipp has exited: nothing more comes from the caller.
      const stat = (name: string) => Number(res.stats[`${name}(C)`] ?? 0);
      const failures = Object.entries(res.stats).filter(([k, v]) => k.startsWith('Failed') && k.endsWith('(C)') && v !== '0');
      // A copy of our 487 that reaches sipp after its call ended is a "Dead call" to it, and the last recv's timeout
      // jumps to the scenario's end: both harmless. What is left names the failing caller's unexpected message, and
      // sipp's own history of that call (each message sent, received or lost) follows it.
      const entries = sippErrorEntries(res.errors);
      const unexpected = unexpectedMessageCallIds(entries);
      const errors = entries
        .filter((e) => !/Dead call|receive timeout on message/.test(e))
        .sort((a, b) => Number(/unexpected/.test(b)) - Number(/unexpected/.test(a)));
      const history = sippCallDebug(res.callDebug, unexpected).join('\n').slice(0, 30_000);
      // A caller none of whose 6 INVITEs got an answer through gives up (sipp's Timer B, 5 retransmissions): legal on a
      // 30 % lossy path both ways (about 1 call in 60), and before our ring timeout's 480 (RING_TIMEOUT_S). Every other
      // call must succeed: no 481, no 480, no 500.
      const gaveUp = stat('FailedMaxUDPRetrans');
      assert.equal(
        stat('FailedCall'),
        gaveUp,
        `only callers whose INVITE got no answer may fail: ${JSON.stringify(failures)}\n${errors.slice(0, 4).join('\n')}\n${history}`,
      );
      assert.equal(stat('SuccessfulCall') + gaveUp, CALLS);
      assert.ok(gaveUp <= 3, `${gaveUp} callers gave up their INVITE`);
      t.diagnostic(`${stat('SuccessfulCall')} calls CANCELled as planned, ${gaveUp} callers gave up their INVITE (no answer came through)`);
      t.diagnostic(`sipp retransmitted ${stat('Retransmissions')} messages; ${h.server.stack.stats.retransmissionsOut} re-sent by the server`);
      assert.ok(stat('Retransmissions') > 0, 'sipp lost messages and re-sent them');

      // A caller that gave up sends nothing more (no CANCEL before an answer): its call rings until the flow's ring
      // timeout (B1: 480, callee legs CANCELled), its last message.
      const lastMessageAfter = gaveUp > 0 ? RING_TIMEOUT_S * 1000 : 0;
      const took = await untilNoCallListed(h, lastMessageAfter + LIFETIME_MS + SLACK_MS);
      t.diagnostic(`/calls empty ${took} ms after sipp's last message`);
      assert.ok(await h.server.stack.drain(LIFETIME_MS + SLACK_MS), `SIP work left: ${JSON.stringify(h.server.stack.pendingDialogWork)}`);
      assert.equal(h.server.media.streamCount, 0, 'every media stream closed');

      const callers = h.records('quizconnect_caller');
      const ends = callers.map((r) => `${r.outcome} ${r.endReason}`);
      const cancelled = ends.filter((e) => e === 'cancelled cancel').length;
      const timedOut = callers.filter((r) => r.outcome === 'rejected' && r.endReason === '480').length;
      assert.ok(cancelled >= stat('SuccessfulCall'), `every call sipp completed ended by its CANCEL (${ends.join(', ')})`);
      assert.equal(cancelled + timedOut, callers.length, `the others by the ring timeout (480): ${ends.join(', ')}`);
      assert.ok(timedOut <= gaveUp, 'a ring timeout only for a caller that gave up');
      t.diagnostic(`${timedOut} calls ended by the ring timeout (480) after their caller gave up`);
      const callees = h.records('quizconnect_callee');
      assert.equal(callees.length, 2 * callers.length, 'every call rang both its callees');
      assert.deepEqual(
        [...new Set(callees.map((r) => `${r.outcome} ${r.endReason}`))],
        ['cancelled hung up by owner'],
        'every callee leg was CANCELled by its flow',
      );
    });
  });
});
