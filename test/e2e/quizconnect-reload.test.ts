/**
 * quizconnect and live reload (docs/quizconnect.md, "Operations"): the app is reloaded while a call waits for a callee;
 * that call (and the callee legs it dials) finishes on the version it started with, new calls get the new one,
 * and the old version's lookup is released when its last call has ended.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuizHarness, sippReport, transitions } from '../support/quizconnect-harness.js';

describe('quizconnect live reload', () => {
  it('a reload during a call: the call keeps its version, the next call runs on the new one', async () => {
    const h = await QuizHarness.start({ rows: [{ caller: '35', callee: 'john', pin: '12345' }] });
    try {
      const callees = await h.startCallees({ behaviours: { john: 'answer' } });
      const caller = await h.call({ scenario: 'qc-caller-connect.xml', pauseMs: 1500 });
      await h.callerIn('WAIT_CALLEE');
      await h.firstRtp('john', 5);
      const reloaded = await h.server.apps.reload('quizconnect');
      assert.deepEqual(reloaded, { ok: true, version: 2 });
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      const [rc, re] = await Promise.all([caller.done, callees.done]);
      assert.equal(rc.code, 0, sippReport('caller', rc));
      assert.equal(re.code, 0, sippReport('callees', re));
      await h.idle();
      const first = h.records('quizconnect_caller')[0];
      assert.equal(first?.appVersion, 1);
      assert.equal(h.calleeRecord('john')?.appVersion, 1, 'the callee leg runs the version of the call that dialled it');
      assert.deepEqual(transitions(h.calleeRecord('john')).slice(-2), ['ok, connected', 'hung up by caller leg']);
      assert.equal(h.server.apps.version('quizconnect', 1), undefined, 'version 1 released after its last call');
      const next = await (await h.call({ scenario: 'qc-caller-404.xml', user: '36' })).done;
      assert.equal(next.code, 0, sippReport('next caller', next));
      await h.idle();
      const versions = h
        .records('quizconnect_caller')
        .map((r) => r.appVersion)
        .sort();
      assert.deepEqual(versions, [1, 2]);
      await h.assertQuietAfterEnd();
    } finally {
      await h.stop();
    }
  });
});
