/**
 * An INVITE that can never be answered leaves nothing behind. Its top Via asks for the answers over TCP, and nobody
 * listens on that port: the 100 cannot be sent, the transport error ends the call, and no final answer ever leaves.
 * sip.js's INVITE server transaction has no timer before its final answer, so it used to stay in the core's table
 * (with its merge key) for ever — any sender could grow that without bound (found by memory-comes-back.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SipStack } from '../../src/sip/index.js';
import { until } from '../../../../test/support/deadline.js';
import { freePort } from '../../../../test/support/ports.js';
import { captureLogger, staticSdp } from './helpers.js';
import { RawPeer, request } from './raw-peer.js';

describe('an INVITE whose answers cannot be sent', () => {
  let stack: SipStack;
  let peer: RawPeer;
  const log = captureLogger('warn');
  let ended = 0;

  before(async () => {
    peer = await RawPeer.open();
    stack = await SipStack.start({ port: 0, logger: log.logger, timers: { t1: 50, t2: 400, t4: 200 } });
    stack.onInvite((call) => {
      call.on('ended', () => ended++);
      call.progress(180);
    });
  });
  after(async () => {
    await stack?.stop();
    await peer?.close();
  });

  it('ends its call and its server transaction: nothing is left in the stack', async () => {
    const closedPort = await freePort();
    const ids = { branch: 'z9hG4bK-unanswerable', callId: `unanswerable-${process.pid}`, fromTag: 'u1', cseq: 1, peerPort: peer.port };
    const ruri = `sip:someone@127.0.0.1:${stack.address.port}`;
    const invite = request({ method: 'INVITE', ruri, ...ids, body: staticSdp() }).replace(
      /^Via: SIP\/2\.0\/UDP [^;]+;/m,
      `Via: SIP/2.0/TCP 127.0.0.1:${closedPort};`,
    );
    await peer.send(invite, stack.address.port);
    await until(() => ended === 1, 'the call to end on the transport error', 5_000);
    await until(() => stack.internals.transactions === 0 && stack.internals.inviteKeys === 0, 'its server transaction to go', 5_000);
    assert.deepEqual(stack.internals, { transactions: 0, completedTransactions: 0, dialogs: 0, dialogPeers: 0, inviteKeys: 0, calls: 0 });
    assert.ok(
      log.records.some((r) => /INVITE given up/.test(String(r.msg))),
      'a warn line names it',
    );
  });
});
