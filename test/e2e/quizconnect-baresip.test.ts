/**
 * Smoke test with a real phone: baresip is john on the outbound domain, auto-answers quizconnect's call, and types
 * its PIN with `sndcode` (RFC 4733 at the PT it negotiated with us). sipp is the caller.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Baresip } from '../support/baresip.js';
import { QuizHarness, audible, sippReport, transitions } from '../support/quizconnect-harness.js';

describe('quizconnect with baresip as the callee', () => {
  it('baresip answers, types 12345 (sndcode) → connected to the caller, both ends hang up cleanly', async () => {
    const h = await QuizHarness.start({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] });
    let phone: Baresip | undefined;
    try {
      phone = await Baresip.start({ user: 'john', sipPort: h.calleePort });
      const caller = await h.call({ scenario: 'qc-caller-connect.xml', pauseMs: 3000 });
      await phone.event('CALL_ESTABLISHED');
      await h.calleeIn('john', 'ENTER_PIN');
      const typed = await phone.sndcode('12345');
      assert.equal(typed.ok, true, JSON.stringify(typed));
      await h.callerIn('CONNECTED');
      const c0 = h.peers.caller.packets.length;
      // baresip's source is a quiet 440 Hz sine: it reaches the caller through the room.
      await h.peers.caller.waitFor(() => audible(h.peers.caller.packets.slice(c0)).length >= 25, 15_000, "baresip's audio at the caller");
      const rc = await caller.done;
      assert.equal(rc.code, 0, sippReport('caller', rc));
      await phone.event('CALL_CLOSED');
      await h.idle();
      const john = transitions(h.calleeRecord('john'));
      assert.equal(john.filter((t) => t === 'pressed a number').length, 5, john.join(' | '));
      assert.deepEqual(john.slice(-3), ['pin matches', 'ok, connected', 'hung up by caller leg']);
      assert.equal(h.calleeRecord('john')?.outcome, 'completed');
      await h.assertQuietAfterEnd();
    } finally {
      await phone?.stop();
      await h.stop();
    }
  });
});
