/**
 * In-dialog behaviour of an answered inbound call, driven by a raw UDP peer: INFO, re-INVITE accepted and rejected,
 * hangup before the ACK (the BYE waits for it), and an outbound call over TCP between two stacks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipStack, type InboundCall, type InfoRequest, type ReinviteRequest } from '../../src/sip/index.js';
import { captureLogger, nextEvent, stackAndRawPeer, staticSdp } from './helpers.js';
import { header, isRequest, isResponse, request } from './raw-peer.js';

describe('in-dialog requests and hangup', () => {
  const sp = stackAndRawPeer();
  let seq = 0;

  /** INVITE from the peer, answered by the stack; returns what in-dialog requests need. */
  async function answeredCall(ack = true) {
    seq++;
    const calls: InboundCall[] = [];
    sp.onCall = (call) => {
      calls.push(call);
      call.answer(staticSdp(41000));
    };
    const base = {
      ruri: `sip:d@127.0.0.1:${sp.stack.address.port}`,
      callId: `dialog-${seq}`,
      fromTag: `df${seq}`,
      peerPort: sp.peer.port,
    };
    await sp.peer.send(request({ ...base, method: 'INVITE', branch: `z9hG4bK-d${seq}`, cseq: 1, body: staticSdp() }), sp.stack.address.port);
    const ok = await sp.peer.next(isResponse(200, 'INVITE'));
    const toTag = /tag=(\w+)/.exec(header(ok, 'To')!)![1]!;
    const inDialog = { ...base, toTag };
    const call = calls[0]!;
    if (ack) {
      const acked = nextEvent(call, 'acked');
      await sp.peer.send(request({ ...inDialog, method: 'ACK', branch: `z9hG4bK-da${seq}`, cseq: 1 }), sp.stack.address.port);
      await acked;
    }
    return { call, inDialog };
  }

  it('INFO: answered 200, delivered as an info event', async () => {
    const { call, inDialog } = await answeredCall();
    const info = nextEvent<[InfoRequest]>(call, 'info');
    await sp.peer.send(
      request({
        ...inDialog,
        method: 'INFO',
        branch: `z9hG4bK-di${seq}`,
        cseq: 2,
        body: 'Signal=5\r\nDuration=160\r\n',
        extra: [],
      }).replace('Content-Type: application/sdp', 'Content-Type: application/dtmf-relay'),
      sp.stack.address.port,
    );
    await sp.peer.next(isResponse(200, 'INFO'));
    const [req] = await info;
    assert.equal(req.contentType, 'application/dtmf-relay');
    assert.match(req.body, /Signal=5/);
  });

  it('re-INVITE: accept(sdp) answers 200 with it; reject(488) answers 488', async () => {
    const { call, inDialog } = await answeredCall();
    const reinvites: Array<string | undefined> = [];
    let answer = (r: ReinviteRequest) => r.accept(staticSdp(42000));
    call.on('reinvite', (r: ReinviteRequest) => {
      reinvites.push(r.sdp);
      answer(r);
    });
    await sp.peer.send(
      request({ ...inDialog, method: 'INVITE', branch: `z9hG4bK-dr${seq}`, cseq: 3, body: staticSdp(40000) }),
      sp.stack.address.port,
    );
    const ok = await sp.peer.next(isResponse(200, 'INVITE'));
    assert.match(ok, /m=audio 42000/);
    await sp.peer.send(request({ ...inDialog, method: 'ACK', branch: `z9hG4bK-dra${seq}`, cseq: 3 }), sp.stack.address.port);

    assert.match(reinvites[0] ?? '', /m=audio 40000/);
    answer = (r) => r.reject(488);
    await sp.peer.send(
      request({ ...inDialog, method: 'INVITE', branch: `z9hG4bK-dr2${seq}`, cseq: 4, body: staticSdp(40004) }),
      sp.stack.address.port,
    );
    await sp.peer.next(isResponse(488, 'INVITE'));
    assert.equal(reinvites.length, 2);
    assert.equal(call.state, 'confirmed');
  });

  it('hangup before the ACK: ended at once, BYE sent once the ACK comes', async () => {
    const { call, inDialog } = await answeredCall(false);
    assert.equal(call.state, 'answered');
    const ended = nextEvent(call, 'ended');
    call.hangup();
    assert.deepEqual(await ended, ['local']);
    await sp.peer.send(request({ ...inDialog, method: 'ACK', branch: `z9hG4bK-dh${seq}`, cseq: 1 }), sp.stack.address.port);
    const bye = await sp.peer.next(isRequest('BYE'));
    assert.equal(header(bye, 'Call-ID'), inDialog.callId);
  });
});

describe('outbound call over TCP between two stacks', () => {
  it('dials sip:…;transport=tcp, is answered, BYE from the callee', async () => {
    const { logger } = captureLogger('error');
    const a = await SipStack.start({ port: 0, logger });
    const b = await SipStack.start({ port: 0, logger });
    try {
      const remotes: string[] = [];
      b.onInvite((call) => {
        remotes.push(call.remote.transport);
        call.on('acked', () => call.hangup());
        call.answer(staticSdp());
      });
      const call = a.dial({ to: `sip:t@127.0.0.1:${b.address.port};transport=tcp`, from: { user: 'a' }, sdp: staticSdp() });
      const seen: string[] = [];
      call.on('answered', () => seen.push('answered'));
      call.on('bye', () => seen.push('bye'));
      assert.deepEqual(await nextEvent(call, 'ended'), ['bye']);
      assert.deepEqual(seen, ['answered', 'bye']);
      assert.deepEqual(remotes, ['tcp']);
      assert.equal(a.stats.retransmissionsOut, 0, 'no retransmission on a reliable transport');
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('a 2xx racing our CANCEL is ACKed then BYEd', async () => {
    const { logger } = captureLogger('error');
    const a = await SipStack.start({ port: 0, logger });
    const b = await SipStack.start({ port: 0, logger });
    try {
      const calleeEvents: string[] = [];
      let hangupCaller = () => undefined as void;
      const calleeEnded = new Promise((resolve) => {
        b.onInvite((call) => {
          for (const e of ['acked', 'bye', 'cancelled'] as const) call.on(e, () => calleeEvents.push(e));
          call.on('ended', resolve);
          call.answer(staticSdp());
          hangupCaller(); // the caller gives up while our 200 is on its way
        });
      });
      const call = a.dial({ to: `sip:race@127.0.0.1:${b.address.port}`, from: { user: 'a' }, sdp: staticSdp() });
      hangupCaller = () => call.hangup();
      const callerEvents: string[] = [];
      for (const e of ['answered', 'failed', 'bye'] as const) call.on(e, () => callerEvents.push(e));
      assert.deepEqual(await nextEvent(call, 'ended'), ['local']);
      assert.equal(await calleeEnded, 'bye');
      assert.deepEqual(calleeEvents, ['acked', 'bye']);
      assert.deepEqual(callerEvents, [], 'nothing after ended');
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('leaves no transaction, dialog or call behind once calls are over (64*T1 later)', async () => {
    const { logger } = captureLogger('error');
    const timers = { t1: 20, t2: 160, t4: 200 };
    const a = await SipStack.start({ port: 0, logger, timers });
    const b = await SipStack.start({ port: 0, logger, timers });
    try {
      b.onInvite((call) => {
        if (call.requestUser === 'reject') call.reject(486);
        else call.answer(staticSdp());
      });
      const ends: Array<Promise<unknown>> = [];
      for (let i = 0; i < 10; i++) {
        const c = a.dial({ to: `sip:${i % 3 === 0 ? 'reject' : 'ok'}@127.0.0.1:${b.address.port}`, from: { user: 'a' }, sdp: staticSdp() });
        c.on('answered', () => c.hangup());
        ends.push(nextEvent(c, 'ended'));
      }
      await Promise.all(ends);
      const empty = { transactions: 0, completedTransactions: 0, dialogs: 0, dialogPeers: 0, inviteKeys: 0, calls: 0 };
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline) {
        if (JSON.stringify([a.internals, b.internals]) === JSON.stringify([empty, empty])) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual([a.internals, b.internals], [empty, empty]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('an unusable URI or host surfaces as failed, not a throw', async () => {
    const { logger } = captureLogger('error');
    const a = await SipStack.start({ port: 0, logger });
    try {
      const bad = a.dial({ to: 'not a uri', from: { user: 'a' }, sdp: staticSdp() });
      assert.deepEqual((await nextEvent<[number, string]>(bad, 'failed'))[0], 400);
      const nowhere = a.dial({ to: 'sip:x@no-such-host.invalid', from: { user: 'a' }, sdp: staticSdp() });
      assert.deepEqual((await nextEvent<[number, string]>(nowhere, 'failed'))[0], 503);
    } finally {
      await a.stop();
    }
  });
});
