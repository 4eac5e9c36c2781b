/**
 * RFC 3261 §17 timers with a fake clock (node:test mock timers drive both our retransmitter and sip.js's own
 * timeouts, which it reads from the stack's table: timer-scope.ts): each timer's effect is asserted — retransmission schedules
 * through the stats counters (incremented synchronously when a timer fires), transaction lifetimes through what a raw
 * UDP peer gets back.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Timers } from 'sip.js/lib/core/index.js';
import { SipStack, type CallEndReason, type InboundCall } from '../../src/sip/index.js';
import { coreTimers, resolveTimers } from '../../src/sip/timers.js';
import { captureLogger, staticSdp } from './helpers.js';
import { RawPeer, header, isRequest, isResponse, request, responseTo, toTagOf } from './raw-peer.js';

const T1 = 500;
const T2 = 4000;
const T4 = 5000;

/** Let I/O callbacks run until `pred` holds (real I/O is not mocked; the clock is). */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20000; // Date is not mocked, only the timers
  while (Date.now() < deadline) {
    if (pred()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition never held: ${what}`);
}

describe('RFC 3261 timers (fake clock)', () => {
  let stack: SipStack;
  let peer: RawPeer;
  let calls: InboundCall[];
  let onCall: (call: InboundCall) => void;
  let seq = 0;

  beforeEach(async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    peer = await RawPeer.open();
    stack = await SipStack.start({ port: 0, logger: captureLogger('error').logger, timers: { t1: T1, t2: T2, t4: T4 } });
    calls = [];
    onCall = () => undefined;
    stack.onInvite((call) => {
      calls.push(call);
      onCall(call);
    });
  });

  afterEach(async () => {
    await stack.stop();
    await peer.close();
    mock.timers.reset();
  });

  const tick = (ms: number) => mock.timers.tick(ms);
  const retrans = () => stack.stats.retransmissionsOut;

  /** T1 doubling to T2, ten times: Timers E and G, and a 2xx until its ACK. Sums to 31500 < 64*T1. */
  const DOUBLING_TO_T2 = [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000];

  /**
   * Steps the clock through `schedule` from `r0` retransmissions: none 1 ms before each interval ends, exactly one
   * at its end. `afterFirst` runs after the first one (e.g. to check it is an exact copy).
   */
  async function assertSchedule(r0: number, schedule: number[], afterFirst?: () => Promise<void>): Promise<void> {
    for (const [i, interval] of schedule.entries()) {
      tick(interval - 1);
      assert.equal(retrans(), r0 + i);
      tick(1);
      assert.equal(retrans(), r0 + i + 1);
      if (i === 0) await afterFirst?.();
    }
  }

  /** The DOUBLING_TO_T2 schedule from now, then nothing more once 64*T1 has passed (`ender`: the timer that ends it). */
  async function assertDoublingThenEnd(ender: string): Promise<void> {
    const r0 = retrans();
    await assertSchedule(r0, DOUBLING_TO_T2);
    tick(64 * T1);
    assert.equal(retrans(), r0 + DOUBLING_TO_T2.length, ender);
  }

  function invite(extra: Partial<Parameters<typeof request>[0]> = {}) {
    seq++;
    return request({
      method: 'INVITE',
      ruri: `sip:anyone@127.0.0.1:${stack.address.port}`,
      branch: `z9hG4bK-t${seq}`,
      callId: `timers-${seq}`,
      cseq: 1,
      fromTag: `f${seq}`,
      peerPort: peer.port,
      body: staticSdp(),
      ...extra,
    });
  }

  it('gives sip.js the timeouts for unreliable transports (B, D, F, H, I, J, K), per stack', () => {
    // The table sip.js's transactions and dialogs read (through its `Timers`) while the stack's work runs (timer-scope.ts).
    const table = coreTimers(resolveTimers({ t1: T1, t2: T2, t4: T4 }));
    assert.deepEqual(
      { ...table },
      {
        ...{ T1, T2, T4, TIMER_B: 64 * T1, TIMER_D: 64 * T1, TIMER_F: 64 * T1, TIMER_H: 64 * T1, TIMER_I: T4 },
        ...{ TIMER_J: 64 * T1, TIMER_K: T4, TIMER_L: 64 * T1, TIMER_M: 64 * T1, TIMER_N: 64 * T1, PROVISIONAL_RESPONSE_INTERVAL: 60_000 },
      },
    );
    // sip.js's module-level table is never written: D/I/J/K stay at its reliable-transport 0.
    assert.equal(Timers.TIMER_D, 0);
    assert.equal(Timers.TIMER_K, 0);
  });

  it('Timer A retransmits the INVITE at T1, 2T1, 4T1…; Timer B fails the call with 408 at 64*T1', async () => {
    const call = stack.dial({ to: `sip:u@127.0.0.1:${peer.port}`, from: { user: 'me' }, sdp: staticSdp() });
    const failed: number[] = [];
    const ended: CallEndReason[] = [];
    call.on('failed', (code) => failed.push(code));
    call.on('ended', (r) => ended.push(r));
    const first = await peer.next(isRequest('INVITE'));
    const r0 = retrans();
    let elapsed = 0;
    for (const [i, interval] of [T1, 2 * T1, 4 * T1, 8 * T1, 16 * T1, 32 * T1].entries()) {
      tick(interval - 1);
      assert.equal(retrans(), r0 + i, `no retransmission before ${elapsed + interval} ms`);
      tick(1);
      elapsed += interval;
      assert.equal(retrans(), r0 + i + 1, `retransmission at ${elapsed} ms`);
      if (i === 0) assert.equal(await peer.next(isRequest('INVITE')), first, 'a retransmission is an exact copy');
    }
    assert.deepEqual(failed, []);
    tick(64 * T1 - elapsed);
    assert.deepEqual(failed, [408]);
    assert.deepEqual(ended, ['failed']);
    tick(64 * T1);
    assert.equal(retrans(), r0 + 6, 'nothing after Timer B');
  });

  it('Timer E retransmits a BYE at T1 doubling to T2; Timer F stops it at 64*T1', async () => {
    const call = stack.dial({ to: `sip:u@127.0.0.1:${peer.port}`, from: { user: 'me' }, sdp: staticSdp() });
    const inv = await peer.next(isRequest('INVITE'));
    await peer.send(responseTo(inv, 200, 'OK', 'peer1', [`Contact: <sip:u@127.0.0.1:${peer.port}>`], staticSdp()), stack.address.port);
    await peer.next(isRequest('ACK'));
    assert.equal(call.state, 'confirmed');
    call.hangup();
    await peer.next(isRequest('BYE'));
    await assertDoublingThenEnd('Timer F ended the BYE transaction');
  });

  it('Timer G retransmits a 486 at T1 doubling to T2 until Timer H (64*T1)', async () => {
    onCall = (call) => call.reject(486);
    await peer.send(invite(), stack.address.port);
    await peer.next(isResponse(486, 'INVITE'));
    await assertDoublingThenEnd('Timer H ended the retransmissions');
  });

  it('Timer G stops at the ACK; Timer I then absorbs repeats for T4', async () => {
    onCall = (call) => call.reject(486);
    const inv = invite();
    await peer.send(inv, stack.address.port);
    const rejected = await peer.next(isResponse(486, 'INVITE'));
    tick(T1);
    await peer.next(isResponse(486, 'INVITE'));
    const ack = request({
      method: 'ACK',
      ruri: `sip:anyone@127.0.0.1:${stack.address.port}`,
      branch: /branch=([^;\s]+)/.exec(inv)![1]!,
      callId: header(inv, 'Call-ID')!,
      cseq: 1,
      fromTag: /tag=(\w+)/.exec(header(inv, 'From')!)![1]!,
      toTag: /tag=(\w+)/.exec(header(rejected, 'To')!)![1]!,
      peerPort: peer.port,
    });
    const in0 = stack.stats.messagesIn;
    await peer.send(ack, stack.address.port);
    await until(() => stack.stats.messagesIn > in0, 'ACK received');
    const r1 = retrans();
    tick(64 * T1);
    assert.equal(retrans(), r1, 'no retransmission after the ACK');

    // Within T4 of the ACK (Timer I), a repeated INVITE is absorbed by the confirmed transaction.
    const absorbed0 = stack.stats.retransmissionsAbsorbed;
    const resends0 = stack.stats.peerResends;
    const requests0 = stack.stats.requestsIn;
    onCall = (call) => call.reject(486);
    // (The 64*T1 tick above let Timer I fire already: use a fresh call to observe it.)
    const inv2 = invite();
    await peer.send(inv2, stack.address.port);
    const rej2 = await peer.next(isResponse(486, 'INVITE'));
    const ack2 = ack
      .replace(/branch=[^;\s]+/, /branch=([^;\s]+)/.exec(inv2)![0])
      .replaceAll(header(inv, 'Call-ID')!, header(inv2, 'Call-ID')!)
      .replace(/^(From:.*tag=)\w+/m, `$1${/tag=(\w+)/.exec(header(inv2, 'From')!)![1]!}`)
      .replace(/^(To:.*tag=)\w+/m, `$1${/tag=(\w+)/.exec(header(rej2, 'To')!)![1]!}`);
    const in1 = stack.stats.messagesIn;
    await peer.send(ack2, stack.address.port);
    await until(() => stack.stats.messagesIn > in1, 'ACK 2 received');
    const handled = calls.length;
    const in2 = stack.stats.messagesIn;
    await peer.send(inv2, stack.address.port);
    await until(() => stack.stats.messagesIn > in2, 'INVITE repeat received');
    assert.equal(calls.length, handled, 'repeat absorbed within Timer I');
    assert.ok(stack.stats.retransmissionsAbsorbed > absorbed0);
    assert.equal(stack.stats.peerResends, resends0 + 1, 'a repeated INVITE: the peer resent it, waiting for our answer');
    assert.equal(stack.stats.requestsIn, requests0 + 2, 'requests other than ACK: the INVITE and its repeat');
    // A repeated ACK answers a response we resent: it is absorbed, but it is not a peer waiting for us.
    const absorbed1 = stack.stats.retransmissionsAbsorbed;
    const in3 = stack.stats.messagesIn;
    await peer.send(ack2, stack.address.port);
    await until(() => stack.stats.messagesIn > in3, 'ACK 2 repeat received');
    assert.equal(stack.stats.retransmissionsAbsorbed, absorbed1 + 1, 'the repeated ACK is absorbed');
    assert.equal(stack.stats.peerResends, resends0 + 1, 'and not counted as a peer resend');
    assert.equal(stack.stats.requestsIn, requests0 + 2, 'nor as a request (what peer resends are a share of)');
    tick(T4);
    // Timer I fired: the transaction is gone, the same INVITE is now a new request.
    await peer.send(inv2, stack.address.port);
    await until(() => calls.length === handled + 1, 'INVITE handled anew after Timer I');
  });

  it('2xx retransmitted at T1 doubling to T2 until ACK; no ACK by 64*T1 → ackTimeout, BYE, ended', async () => {
    const events: string[] = [];
    onCall = (call) => {
      for (const e of ['acked', 'ackTimeout', 'bye'] as const) call.on(e, () => events.push(e));
      call.on('ended', (r) => events.push(`ended:${r}`));
      call.answer(staticSdp());
    };
    await peer.send(invite(), stack.address.port);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    await assertSchedule(retrans(), DOUBLING_TO_T2, async () => {
      assert.equal(await peer.next(isResponse(200, 'INVITE')), ok);
    });
    assert.deepEqual(events, []);
    tick(64 * T1 - 31500);
    assert.deepEqual(events, ['ackTimeout', 'ended:ack-timeout']);
    const bye = await peer.next(isRequest('BYE'));
    assert.equal(header(bye, 'Call-ID'), header(ok, 'Call-ID'));
  });

  it('Timer J: a repeated BYE gets the same 200 until 64*T1, then 481', async () => {
    const events: string[] = [];
    onCall = (call) => {
      call.on('bye', () => events.push('bye'));
      call.on('acked', () => events.push('acked'));
      call.answer(staticSdp());
    };
    const inv = invite();
    await peer.send(inv, stack.address.port);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    const toTag = /tag=(\w+)/.exec(header(ok, 'To')!)![1]!;
    const base = {
      ruri: `sip:anyone@127.0.0.1:${stack.address.port}`,
      callId: header(inv, 'Call-ID')!,
      fromTag: /tag=(\w+)/.exec(header(inv, 'From')!)![1]!,
      toTag,
      peerPort: peer.port,
    };
    await peer.send(request({ ...base, method: 'ACK', branch: 'z9hG4bK-ack-j', cseq: 1 }), stack.address.port);
    await until(() => events.includes('acked'), 'acked');
    const bye = request({ ...base, method: 'BYE', branch: 'z9hG4bK-bye-j', cseq: 2 });
    await peer.send(bye, stack.address.port);
    const ok1 = await peer.next(isResponse(200, 'BYE'));
    await peer.send(bye, stack.address.port);
    const ok2 = await peer.next(isResponse(200, 'BYE'));
    assert.equal(ok2, ok1, 'the transaction re-sent its response');
    assert.deepEqual(events, ['acked', 'bye'], 'the repeat did not reach the call');
    // Within a second the call's transactions are retired (completed-transactions.ts): sip.js's are gone, their
    // residues still answer. They last 64*T1 from then: at most a second longer than sip.js's Timer J would.
    tick(1000);
    assert.equal(stack.internals.transactions, 0, "the BYE's and the INVITE's transactions left sip.js's tables");
    assert.equal(stack.internals.completedTransactions, 2);
    await peer.send(bye, stack.address.port);
    assert.equal(await peer.next(isResponse(200, 'BYE')), ok1, 'the residue re-sent the same response');
    tick(64 * T1);
    await peer.send(bye, stack.address.port);
    await peer.next(isResponse(481, 'BYE'));
    assert.equal(stack.internals.completedTransactions, 0);
  });

  it("after its call, an answered INVITE's residue absorbs the INVITE again and answers a CANCEL 200 until 64*T1", async () => {
    onCall = (call) => call.answer(staticSdp());
    const inv = invite();
    await peer.send(inv, stack.address.port);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    const base = {
      ruri: `sip:anyone@127.0.0.1:${stack.address.port}`,
      callId: header(inv, 'Call-ID')!,
      fromTag: `f${seq}`,
      toTag: toTagOf(ok),
      peerPort: peer.port,
    };
    await peer.send(request({ ...base, method: 'ACK', branch: `z9hG4bK-t${seq}`, cseq: 1 }), stack.address.port);
    await peer.send(request({ ...base, method: 'BYE', branch: `z9hG4bK-bye-r${seq}`, cseq: 2 }), stack.address.port);
    await peer.next(isResponse(200, 'BYE'));
    tick(1000);
    assert.equal(stack.internals.transactions, 0, 'retired: nothing of the call left in sip.js');
    assert.equal(stack.internals.completedTransactions, 2, 'the INVITE and the BYE, as residues');

    // The INVITE again: absorbed, no second call. An OPTIONS after it shows when the stack has read both.
    const options = (branch: string) => request({ ...base, toTag: undefined, method: 'OPTIONS', branch, cseq: 9 });
    await peer.send(inv, stack.address.port);
    await peer.send(options('z9hG4bK-opt-r1'), stack.address.port);
    await peer.next(isResponse(200, 'OPTIONS'));
    assert.equal(calls.length, 1);
    assert.equal(peer.count(isResponse(200, 'INVITE')), 1, 'no answer to the repeat');

    // A CANCEL of it: 200 with the 2xx's To tag, and nothing else (RFC 3261 §9.2).
    await peer.send(request({ ...base, toTag: undefined, method: 'CANCEL', branch: `z9hG4bK-t${seq}`, cseq: 1 }), stack.address.port);
    const cancelled = await peer.next(isResponse(200, 'CANCEL'));
    assert.equal(toTagOf(cancelled), toTagOf(ok));

    tick(64 * T1);
    assert.equal(stack.internals.completedTransactions, 0, 'the residues end 64*T1 after they were kept');
    await peer.send(inv, stack.address.port);
    await peer.next(isResponse(200, 'INVITE'));
    assert.equal(calls.length, 2, 'the same INVITE after that is a new one, as once sip.js forgets it');
  });

  it("after its call, our INVITE's residue ACKs its 2xx again, and ACKs and BYEs another fork's 2xx", async () => {
    const call = stack.dial({ to: `sip:u@127.0.0.1:${peer.port}`, from: { user: 'me' }, sdp: staticSdp() });
    const inv = await peer.next(isRequest('INVITE'));
    const contact = [`Contact: <sip:u@127.0.0.1:${peer.port}>`];
    const ok = responseTo(inv, 200, 'OK', 'peer2', contact, staticSdp());
    await peer.send(ok, stack.address.port);
    const ack1 = await peer.next(isRequest('ACK'));
    call.hangup();
    const bye = await peer.next(isRequest('BYE'));
    await peer.send(responseTo(bye, 200, 'OK', 'x'), stack.address.port);
    await until(() => stack.pendingDialogWork.clientTransactions === 0, 'the BYE answered'); // before Timer E fires
    tick(1000);
    assert.equal(stack.internals.completedTransactions, 1, "our INVITE's, as a residue");

    await peer.send(ok, stack.address.port);
    assert.equal(await peer.next(isRequest('ACK')), ack1, 'the same ACK again');

    const fork = responseTo(inv.replace(/^(To:.*)$/m, '$1;tag=fork3'), 200, 'OK', 'fork3', contact, staticSdp());
    await peer.send(fork, stack.address.port);
    const ack3 = await peer.next(isRequest('ACK'));
    const bye3 = await peer.next(isRequest('BYE'));
    for (const m of [ack3, bye3]) {
      assert.equal(toTagOf(m), 'fork3');
      assert.equal(header(m, 'Call-ID'), header(inv, 'Call-ID'));
      assert.equal(header(m, 'From'), header(inv, 'From'));
    }
    assert.match(header(ack3, 'CSeq')!, /^1 ACK$/);
    assert.match(header(bye3, 'CSeq')!, /^2 BYE$/);
    assert.match(bye3, /^BYE sip:u@127\.0\.0\.1:\d+ SIP\/2\.0/, "to the fork's Contact");
    await peer.send(responseTo(bye3, 200, 'OK', 'fork3'), stack.address.port);
    await peer.send(fork, stack.address.port);
    assert.equal(await peer.next(isRequest('ACK')), ack3, 'its 2xx again: the same ACK, no second BYE');
    assert.equal(peer.count(isRequest('BYE')), 2);
  });

  it('a retransmitted 2xx to our INVITE gets the same ACK again', async () => {
    const call = stack.dial({ to: `sip:u@127.0.0.1:${peer.port}`, from: { user: 'me' }, sdp: staticSdp() });
    const inv = await peer.next(isRequest('INVITE'));
    const ok = responseTo(inv, 200, 'OK', 'peer2', [`Contact: <sip:u@127.0.0.1:${peer.port}>`], staticSdp());
    await peer.send(ok, stack.address.port);
    const ack1 = await peer.next(isRequest('ACK'));
    assert.equal(call.state, 'confirmed');
    await peer.send(ok, stack.address.port);
    const ack2 = await peer.next(isRequest('ACK'));
    assert.equal(ack2, ack1);
  });
});
