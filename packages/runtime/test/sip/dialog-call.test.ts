/**
 * What both call directions share once the dialog is confirmed (DialogCall): a stack shutdown ends a confirmed call
 * with `ended('shutdown')` exactly once, sending nothing (no BYE), and in-dialog requests are refused afterwards —
 * on the outbound and on the inbound side alike.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SipStack, type CallEndReason, type InboundCall, type OutboundCall } from '../../src/sip/index.js';
import { TypedEmitter } from '../../src/util/index.js';
import { collectGarbage } from '../../../../test/support/gc.js';
import { captureLogger, confirmedCall, staticSdp } from './helpers.js';

/** Every `ended` reason of one call, in order. */
function endings(call: InboundCall | OutboundCall): CallEndReason[] {
  const seen: CallEndReason[] = [];
  // Both directions have the same `ended` event; the cast picks one overload of `on`.
  (call as OutboundCall).on('ended', (reason) => seen.push(reason));
  return seen;
}

describe('a confirmed call when its stack shuts down', () => {
  for (const side of ['outbound', 'inbound'] as const) {
    it(`${side}: ended('shutdown') once, no BYE to the peer, reinvite/sendInfo then refused`, async () => {
      const { logger } = captureLogger('error');
      const a = await SipStack.start({ port: 0, logger });
      const b = await SipStack.start({ port: 0, logger });
      try {
        const { out, call } = await confirmedCall(a, b);
        const [mine, peer] = side === 'outbound' ? [out, call] : [call, out];
        const stack = side === 'outbound' ? a : b;
        const mineEnded = endings(mine);
        const peerEnded = endings(peer);
        const sentBefore = stack.stats.messagesOut;
        await stack.stop();

        assert.deepEqual(mineEnded, ['shutdown']);
        assert.equal(stack.stats.messagesOut, sentBefore, 'shutdown sends nothing (no BYE)');
        assert.equal(mine.state, 'ended');
        const refused = (e: { code?: string }) => e.code === 'SIP_INVALID_STATE';
        assert.throws(() => mine.reinvite(staticSdp()), refused);
        assert.throws(() => mine.sendInfo('text/plain', 'x'), refused);
        mine.hangup(); // a no-op once ended: no second `ended`
        assert.deepEqual(mineEnded, ['shutdown']);

        // The peer's call is untouched; its own hangup ends it as usual.
        assert.equal(peer.state, 'confirmed');
        peer.hangup();
        assert.deepEqual(peerEnded, ['local']);
      } finally {
        await a.stop();
        await b.stop();
      }
    });
  }
});

/** Listeners of `event` on a call (every call is a TypedEmitter; the public interfaces do not show the count). */
function listeners(call: InboundCall | OutboundCall, event: string): number {
  assert.ok(call instanceof TypedEmitter);
  return (call as TypedEmitter<Record<string, unknown[]>>).listenerCount(event);
}

describe('a call after its end', () => {
  it('drops its listeners once `ended` has been delivered, so a transaction sip.js keeps does not pin the leg', async () => {
    const { logger } = captureLogger('error');
    const a = await SipStack.start({ port: 0, logger });
    const b = await SipStack.start({ port: 0, logger });
    try {
      const { out, call } = await confirmedCall(a, b);
      const peerBye = new Promise<void>((resolve) => call.on('ended', () => resolve()));
      const seen: CallEndReason[] = [];
      out.on('ended', (reason) => seen.push(reason));
      out.on('bye', () => assert.fail('no bye after a local hangup'));
      assert.ok(listeners(out, 'ended') >= 1);
      out.hangup();
      assert.deepEqual(seen, ['local'], '`ended` is still delivered to every listener');
      assert.equal(listeners(out, 'ended'), 0);
      assert.equal(listeners(out, 'bye'), 0);
      await peerBye;
      assert.equal(listeners(call, 'ended'), 0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('a call once its signalling is done', () => {
  it('is not kept by the transactions and dialogs sip.js keeps for 64*T1 after a 2xx', async () => {
    const { logger } = captureLogger('error');
    const a = await SipStack.start({ port: 0, logger });
    const b = await SipStack.start({ port: 0, logger });
    try {
      // In a function of their own, so that nothing of this test holds the calls afterwards.
      const [outRef, inRef] = await (async () => {
        const { out, call } = await confirmedCall(a, b);
        const peerEnded = new Promise<void>((resolve) => call.on('ended', () => resolve()));
        out.hangup();
        await peerEnded;
        return [new WeakRef(out), new WeakRef(call)];
      })();
      b.onInvite(() => undefined); // confirmedCall's handler holds the promise it resolved with the call
      // Both INVITE transactions are still in their 64*T1 wait (32 s): they, not we, would be what holds the calls.
      for (let i = 0; i < 3 && (outRef.deref() || inRef.deref()); i++) {
        await nextTurn(); // a WeakRef's target is kept until the end of the job that made or read it
        collectGarbage();
      }
      assert.equal(outRef.deref(), undefined, 'the outbound call was collected (the UAC and its dialog are not holding it)');
      assert.equal(inRef.deref(), undefined, 'the inbound call was collected (the UAS and its dialog are not holding it)');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
