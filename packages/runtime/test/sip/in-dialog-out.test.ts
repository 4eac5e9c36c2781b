/**
 * In-dialog requests we originate, between two stacks on loopback: re-INVITE (hold with a=sendonly, answered; then
 * refused with 488 from the other side) and INFO, from the outbound and from the inbound side of one call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipStack, type InfoRequest, type ReinviteRequest } from '../../src/sip/index.js';
import { captureLogger, confirmedCall, nextEvent, staticSdp } from './helpers.js';

describe('re-INVITE and INFO we send', () => {
  it('both sides of a confirmed call: reinvite resolves with the answer or the refusal, sendInfo with 200', async () => {
    const { logger } = captureLogger('error');
    const a = await SipStack.start({ port: 0, logger });
    const b = await SipStack.start({ port: 0, logger });
    try {
      const { out, call } = await confirmedCall(a, b, (unanswered) =>
        assert.throws(
          () => unanswered.sendInfo('text/plain', 'early'),
          (e: { code?: string }) => e.code === 'SIP_INVALID_STATE',
        ),
      );

      // Outbound side puts the call on hold; the inbound side answers.
      const hold = staticSdp(40000).replace('a=sendrecv', 'a=sendonly');
      const offered = nextEvent<[ReinviteRequest]>(call, 'reinvite');
      const result = out.reinvite(hold);
      const [req] = await offered;
      assert.match(req.sdp ?? '', /a=sendonly/);
      req.accept(staticSdp(41000).replace('a=sendrecv', 'a=recvonly'));
      const r = await result;
      assert.equal(r.code, 200);
      assert.match(r.sdp ?? '', /a=recvonly/);

      // Inbound side re-INVITEs; the outbound side refuses. Until the ACK of the first re-INVITE has arrived, that
      // transaction is in progress and the stack answers 491 locally (RFC 3261 §14.1: try again later).
      const offers: ReinviteRequest[] = [];
      out.on('reinvite', (r) => {
        offers.push(r);
        r.reject(488);
      });
      let result2 = await call.reinvite(staticSdp(41000));
      for (let i = 0; result2.code === 491 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        result2 = await call.reinvite(staticSdp(41000));
      }
      assert.deepEqual(result2, { code: 488, sdp: undefined });
      assert.equal(offers.length, 1);

      // INFO both ways.
      const info = nextEvent<[InfoRequest]>(call, 'info');
      assert.equal(await out.sendInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), 200);
      const [got] = await info;
      assert.equal(got.contentType, 'application/dtmf-relay');
      assert.match(got.body, /Signal=5/);
      const info2 = nextEvent<[InfoRequest]>(out, 'info');
      assert.equal(await call.sendInfo('text/plain', 'hello'), 200);
      assert.equal((await info2)[0].body, 'hello');

      assert.equal(call.state, 'confirmed');
      assert.equal(out.state, 'confirmed');
      const ended = nextEvent(call, 'ended');
      out.hangup();
      assert.deepEqual(await ended, ['bye']);
      assert.throws(
        () => call.reinvite(staticSdp()),
        (e: { code?: string }) => e.code === 'SIP_INVALID_STATE',
      );
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
