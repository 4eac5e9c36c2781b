/**
 * SipStack.pendingDialogWork / drain(): what a shutdown must wait for (a BYE waiting for the ACK of our 200 and then
 * for its own 200, a 487 waiting for its ACK, a CANCEL and its INVITE waiting for their answers) is counted, and the
 * absorption windows after a transaction's end (Timers J/K, up to 64*T1) are not. Driven by a raw UDP peer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundCall } from '../../src/sip/index.js';
import { nextEvent, stackAndRawPeer, staticSdp } from './helpers.js';
import { header, isRequest, isResponse, request, responseTo } from './raw-peer.js';

describe('SipStack.drain', () => {
  const sp = stackAndRawPeer();
  let seq = 0;

  function base() {
    seq++;
    return { ruri: `sip:d@127.0.0.1:${sp.stack.address.port}`, callId: `drain-${seq}`, fromTag: `dt${seq}`, peerPort: sp.peer.port };
  }

  /** Tracks whether a drain() promise has settled, and with what. */
  function track(p: Promise<boolean>) {
    const t: { settled: boolean; value: boolean | undefined; promise: Promise<boolean> } = { settled: false, value: undefined, promise: p };
    void p.then((v) => {
      t.settled = true;
      t.value = v;
    });
    return t;
  }

  it('nothing pending on an idle stack: resolves true at once', async () => {
    assert.equal(sp.stack.pendingDialogWork.total, 0);
    assert.equal(await sp.stack.drain(1000), true);
  });

  it('hangup before the ACK: waits for the ACK, then for the 200 to the BYE', async () => {
    const b = base();
    let call: InboundCall | undefined;
    sp.onCall = (c) => {
      call = c;
      c.answer(staticSdp(41000));
    };
    await sp.peer.send(request({ ...b, method: 'INVITE', branch: `z9hG4bK-dr${seq}`, cseq: 1, body: staticSdp() }), sp.stack.address.port);
    const ok = await sp.peer.next(isResponse(200, 'INVITE'));
    const toTag = /tag=(\w+)/.exec(header(ok, 'To')!)![1]!;
    call!.hangup();
    assert.equal(call!.state, 'ended', 'ended for the layer above at once');
    assert.deepEqual(
      { ...sp.stack.pendingDialogWork },
      { clientTransactions: 0, serverTransactions: 0, awaitingAck: 1, total: 1 },
      'our 2xx awaits its ACK',
    );
    const drain = track(sp.stack.drain(20_000));

    await sp.peer.send(request({ ...b, toTag, method: 'ACK', branch: `z9hG4bK-dra${seq}`, cseq: 1 }), sp.stack.address.port);
    const bye = await sp.peer.next(isRequest('BYE'));
    assert.equal(sp.stack.pendingDialogWork.clientTransactions, 1, 'the BYE awaits its 200');
    assert.equal(drain.settled, false, 'not drained while the BYE is unanswered');

    await sp.peer.send(responseTo(bye, 200, 'OK', 'x'), sp.stack.address.port);
    assert.equal(await drain.promise, true);
    assert.equal(sp.stack.pendingDialogWork.total, 0);
    assert.ok(sp.stack.internals.transactions > 0, 'the BYE transaction still absorbs retransmissions (Timer K), not counted');
  });

  it('CANCEL: the 487 waits for its ACK', async () => {
    const b = base();
    let call: InboundCall | undefined;
    sp.onCall = (c) => {
      call = c;
      c.progress(180);
    };
    const branch = `z9hG4bK-dc${seq}`;
    await sp.peer.send(request({ ...b, method: 'INVITE', branch, cseq: 1, body: staticSdp() }), sp.stack.address.port);
    await sp.peer.next(isResponse(180, 'INVITE'));
    assert.equal(sp.stack.pendingDialogWork.serverTransactions, 1, 'INVITE not finally answered');
    const cancelled = nextEvent(call!, 'ended');
    await sp.peer.send(request({ ...b, method: 'CANCEL', branch, cseq: 1 }), sp.stack.address.port);
    const r487 = await sp.peer.next(isResponse(487, 'INVITE'));
    assert.deepEqual(await cancelled, ['cancel']);
    assert.equal(sp.stack.pendingDialogWork.serverTransactions, 1, 'the 487 awaits its ACK');
    const drain = track(sp.stack.drain(20_000));
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(drain.settled, false);

    const toTag = /tag=(\w+)/.exec(header(r487, 'To')!)![1]!;
    await sp.peer.send(request({ ...b, toTag, method: 'ACK', branch, cseq: 1 }), sp.stack.address.port);
    assert.equal(await drain.promise, true);
    assert.equal(sp.stack.pendingDialogWork.total, 0, 'Timer I (absorbing ACK copies) is not counted');
  });

  it('180 then reject(503): the 503 waits for its ACK; the early dialog is not a 2xx awaiting ACK', async () => {
    const b = base();
    let call: InboundCall | undefined;
    sp.onCall = (c) => {
      call = c;
      c.progress(180);
    };
    const branch = `z9hG4bK-de${seq}`;
    await sp.peer.send(request({ ...b, method: 'INVITE', branch, cseq: 1, body: staticSdp() }), sp.stack.address.port);
    await sp.peer.next(isResponse(180, 'INVITE'));
    call!.reject(503);
    const r503 = await sp.peer.next(isResponse(503, 'INVITE'));
    assert.deepEqual({ ...sp.stack.pendingDialogWork }, { clientTransactions: 0, serverTransactions: 1, awaitingAck: 0, total: 1 });
    const toTag = /tag=(\w+)/.exec(header(r503, 'To')!)![1]!;
    await sp.peer.send(request({ ...b, toTag, method: 'ACK', branch, cseq: 1 }), sp.stack.address.port);
    assert.equal(await sp.stack.drain(20_000), true);
  });

  it('a BYE the peer never answers: drain gives up after its timeout with false', async () => {
    const b = base();
    let call: InboundCall | undefined;
    sp.onCall = (c) => {
      call = c;
      c.answer(staticSdp(41002));
    };
    await sp.peer.send(request({ ...b, method: 'INVITE', branch: `z9hG4bK-dn${seq}`, cseq: 1, body: staticSdp() }), sp.stack.address.port);
    const ok = await sp.peer.next(isResponse(200, 'INVITE'));
    const toTag = /tag=(\w+)/.exec(header(ok, 'To')!)![1]!;
    const acked = nextEvent(call!, 'acked');
    await sp.peer.send(request({ ...b, toTag, method: 'ACK', branch: `z9hG4bK-dna${seq}`, cseq: 1 }), sp.stack.address.port);
    await acked;
    call!.hangup();
    const bye = await sp.peer.next(isRequest('BYE'));
    assert.equal(await sp.stack.drain(200), false, 'the BYE is still unanswered');
    await sp.peer.send(responseTo(bye, 200, 'OK', 'x'), sp.stack.address.port);
    assert.equal(await sp.stack.drain(20_000), true);
  });

  it('outbound: a CANCEL and its INVITE are waited for until the 487 (and the 200 to CANCEL)', async () => {
    const call = sp.stack.dial({ to: `sip:far@127.0.0.1:${sp.peer.port}`, from: { user: 'a' }, sdp: staticSdp() });
    const invite = await sp.peer.next(isRequest('INVITE'));
    assert.equal(sp.stack.pendingDialogWork.clientTransactions, 1, 'the INVITE has no final response');
    const ringing = nextEvent(call, 'provisional');
    await sp.peer.send(responseTo(invite, 180, 'Ringing', 'far1', [`Contact: <sip:far@127.0.0.1:${sp.peer.port}>`]), sp.stack.address.port);
    await ringing;
    call.hangup();
    const cancel = await sp.peer.next(isRequest('CANCEL'));
    assert.equal(sp.stack.pendingDialogWork.clientTransactions, 2, 'INVITE and CANCEL');
    await sp.peer.send(responseTo(cancel, 200, 'OK', 'far1'), sp.stack.address.port);
    assert.equal(await sp.stack.drain(150), false, 'the INVITE still awaits its 487');
    await sp.peer.send(responseTo(invite, 487, 'Request Terminated', 'far1'), sp.stack.address.port);
    assert.equal(await sp.stack.drain(20_000), true);
    await sp.peer.next(isRequest('ACK'));
  });
});
