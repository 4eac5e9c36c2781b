/**
 * A media worker killed mid-call (quizconnect on the real server, sipp caller and callees, SQLite): its calls end
 * cleanly — BYE to both answered legs of a bridged call, 500 to a caller still in early media (its ringing callee
 * gets CANCEL) — their records close with the reason, a new worker takes the slot, and the next call connects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertPairPassed, withQuiz } from '../support/quizconnect-harness.js';
import { WorkerMediaEngine } from '../../packages/runtime/src/media/index.js';
import { until } from '../support/deadline.js';

const JOHN = [{ caller: '35', callee: 'john', pin: '12345' }];

function workers(media: unknown): WorkerMediaEngine {
  assert.ok(media instanceof WorkerMediaEngine, 'the server runs media workers');
  return media;
}

describe('a media worker dies mid-call', () => {
  it('bridged call: BYE to caller and callee, records closed "media failed"; a new worker serves the next call', () =>
    withQuiz({ rows: JOHN, mediaWorkers: 1 }, async (h) => {
      const engine = workers(h.server.media);
      const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-wait-bye.xml' });
      await h.firstRtp('john', 5);
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await h.callerIn('CONNECTED');
      await engine.killWorker(0);
      await assertPairPassed(pair, { caller: 'caller (gets BYE)', callees: 'callee (gets BYE)' });
      await h.idle();
      const caller = h.records('quizconnect_caller')[0]!;
      assert.equal(caller.outcome, 'error');
      assert.equal(caller.endReason, 'media failed');
      // The callee leg lost its media too; its owner (the caller leg) ended first and took it down with it.
      assert.ok(['media failed', 'owner ended'].includes(String(h.calleeRecord('john')?.endReason)), h.calleeRecord('john')?.endReason);
      assert.ok(h.logs('media worker died: ending its calls, starting a new one').length >= 1, 'the log says what happened');
      await engine.ready();
      assert.equal(engine.workerRestarts, 1);

      // The server goes on serving: a whole call on the new worker, caller hangs up.
      const before = h.peers.john.packets.length;
      const next = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 1000 });
      await h.firstRtp('john', before + 5);
      await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
      await assertPairPassed(next, { caller: 'caller (second call)', callees: 'callee (second call)' });
      await h.idle();
      assert.equal(h.records('quizconnect_caller')[1]?.outcome, 'completed');
    }));

  it('caller still in early media: 500 to its INVITE, CANCEL to the ringing callee', () =>
    withQuiz({ rows: JOHN, mediaWorkers: 1 }, async (h) => {
      const engine = workers(h.server.media);
      const pair = await h.startPair({ behaviours: { john: 'ring' } }, { scenario: 'qc-caller-500.xml' });
      await h.firstRtp('caller', 3);
      // Both streams exist on the worker (the callee's INVITE goes out as soon as its stream does).
      await until(() => engine.workers[0]?.streams === 2, 'caller and callee streams on worker 0');
      await engine.killWorker(0);
      await assertPairPassed(pair, { caller: 'caller (gets 500)', callees: 'callee (gets CANCEL)' });
      await h.idle();
      assert.equal(h.records('quizconnect_caller')[0]?.endReason, 'media failed');
      await engine.ready();
    }));
});
