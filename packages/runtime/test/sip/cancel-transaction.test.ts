/**
 * A CANCEL is a transaction of its own (RFC 3261 §9.2, a non-INVITE server transaction): a retransmission of a
 * CANCEL we answered gets its 200 again, with the same To tag, for Timer J (64·T1) — also once the INVITE it
 * cancelled has ended. Before, the stack looked the INVITE up for every copy: a CANCEL whose 200 was lost, sent again
 * after the INVITE's transaction had ended (T4 after the ACK of our 487), got 481 (seen as a flake of the loopback
 * loss tests). A raw UDP peer plays the caller and loses that 200; T1 = 50 ms, T4 = 200 ms keep it short.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SipStack } from '../../src/sip/index.js';
import { until } from '../../../../test/support/deadline.js';
import { captureLogger, staticSdp } from './helpers.js';
import { RawPeer, header, isResponse, request } from './raw-peer.js';

const TIMERS = { t1: 50, t2: 400, t4: 200 };
const toTag = (m: string) => /;tag=([^;\s]+)/.exec(header(m, 'To') ?? '')?.[1];

describe('a retransmitted CANCEL is absorbed by its own transaction', () => {
  let stack: SipStack;
  let peer: RawPeer;

  before(async () => {
    peer = await RawPeer.open();
    stack = await SipStack.start({ port: 0, logger: captureLogger('error').logger, timers: TIMERS });
    stack.onInvite((call) => call.progress(180));
  });
  after(async () => {
    await stack?.stop();
    await peer?.close();
  });

  it("the 200 to a CANCEL is lost and the CANCEL comes again after the INVITE's transaction ended: 200 again, not 481", async () => {
    const ids = { branch: 'z9hG4bK-cancel-again', callId: `cancel-again-${process.pid}`, fromTag: 'ca1', cseq: 1, peerPort: peer.port };
    const ruri = `sip:someone@127.0.0.1:${stack.address.port}`;
    await peer.send(request({ method: 'INVITE', ruri, ...ids, body: staticSdp() }), stack.address.port);
    const ringing = toTag(await peer.next(isResponse(180, 'INVITE')));
    const cancel = request({ method: 'CANCEL', ruri, ...ids });
    await peer.send(cancel, stack.address.port);
    // This 200 is lost: the caller will send its CANCEL again (Timer E).
    assert.equal(toTag(await peer.next(isResponse(200, 'CANCEL'))), ringing);
    const terminated = await peer.next(isResponse(487, 'INVITE'));
    await peer.send(request({ method: 'ACK', ruri, ...ids, toTag: toTag(terminated)! }), stack.address.port);
    // The INVITE's transaction ends T4 after the ACK (Timer I): nothing is left to find the CANCEL's INVITE by.
    await until(() => stack.internals.transactions === 0, "the INVITE's server transaction to end", 5_000);

    await peer.send(cancel, stack.address.port);
    const again = await peer.next((m) => /^SIP\/2\.0 \d{3} /.test(m) && header(m, 'CSeq') === '1 CANCEL' && header(m, 'Call-ID') === ids.callId);
    assert.match(again, /^SIP\/2\.0 200 /, `the retransmitted CANCEL got: ${again.split('\r\n')[0]}`);
    assert.equal(toTag(again), ringing, 'the same 200: the To tag of the INVITE’s responses');

    // A stranger's copy of that CANCEL (another source address) is not its retransmission.
    const stranger = await RawPeer.open('127.0.0.2');
    try {
      await stranger.send(cancel, stack.address.port);
      // Answered where it came from (received/rport): 481, not the kept 200.
      const answer = await stranger.next(
        (m) => /^SIP\/2\.0 \d{3} /.test(m) && header(m, 'CSeq') === '1 CANCEL' && header(m, 'Call-ID') === ids.callId,
      );
      assert.match(answer, /^SIP\/2\.0 481 /);
    } finally {
      await stranger.close();
    }
  });
});
