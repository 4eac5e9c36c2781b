/**
 * Two SipStacks in one process, T1 = 100 ms and T1 = 400 ms: each stack's transactions and dialogs follow its own
 * T1 (issue 12: nothing in the SIP layer changes sip.js process-wide; before, the last stack started set sip.js's
 * module-level `Timers` for both). Covered: the INVITE client transaction (Timer A retransmissions, Timer B), the
 * INVITE server transaction (Timer G, Timer H), the dialog's 2xx retransmission and ACK timeout, and the non-INVITE
 * client transaction (the BYE that follows: Timer E, Timer F).
 *
 * The fake-clock tests step both stacks on one mocked clock and assert exact schedules. The real-clock test dials an
 * unresponsive raw UDP peer from each stack at once and waits for the two Timer B failures: it asserts counts, lower
 * bounds (a timer never fires early) and the order of events, never an upper bound tighter than the other stack's
 * value, so load on the machine can delay it without failing it.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Timers } from 'sip.js/lib/core/index.js';
import { SipStack, type InboundCall } from '../../src/sip/index.js';
import { captureLogger, nextEvent, staticSdp } from './helpers.js';
import { RawPeer, isRequest, isResponse, request } from './raw-peer.js';

const FAST = 100;
const SLOW = 400;

interface Side {
  t1: number;
  stack: SipStack;
  peer: RawPeer;
  calls: InboundCall[];
  onCall: (call: InboundCall) => void;
}

async function openSide(t1: number): Promise<Side> {
  const peer = await RawPeer.open();
  const stack = await SipStack.start({ port: 0, logger: captureLogger('error').logger, timers: { t1 } });
  const side: Side = { t1, stack, peer, calls: [], onCall: () => undefined };
  stack.onInvite((call) => {
    side.calls.push(call);
    side.onCall(call);
  });
  return side;
}

async function closeSide(side: Side): Promise<void> {
  await side.stack.stop();
  await side.peer.close();
}

function dialPeer(side: Side) {
  return side.stack.dial({ to: `sip:u@127.0.0.1:${side.peer.port}`, from: { user: 'me' }, sdp: staticSdp() });
}

let seq = 0;
/** An INVITE from the side's raw peer to its stack. */
function inviteTo(side: Side): string {
  seq++;
  return request({
    method: 'INVITE',
    ruri: `sip:anyone@127.0.0.1:${side.stack.address.port}`,
    branch: `z9hG4bK-two${seq}`,
    callId: `two-stacks-${seq}`,
    cseq: 1,
    fromTag: `two${seq}`,
    peerPort: side.peer.port,
    body: staticSdp(),
  });
}

/** Let real I/O callbacks run until `pred` holds (only the timers are mocked; Date is not). */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (pred()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition never held: ${what}`);
}

/** Cumulative times of Timer A/E/G retransmissions for T1 (doubling; capped at T2 unless `uncapped`), up to 64*T1. */
function schedule(t1: number, t2: number, uncapped: boolean): number[] {
  const at: number[] = [];
  let interval = t1;
  let elapsed = 0;
  for (;;) {
    elapsed += interval;
    if (elapsed >= 64 * t1) return at;
    at.push(elapsed);
    interval = uncapped ? interval * 2 : Math.min(interval * 2, t2);
  }
}

/** How many of `times` are at or before `t`. */
const upTo = (times: number[], t: number) => times.filter((x) => x <= t).length;

describe('two stacks in one process, T1 = 100 ms and T1 = 400 ms (fake clock)', () => {
  let fast: Side;
  let slow: Side;
  let now = 0;

  beforeEach(async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    now = 0;
    fast = await openSide(FAST);
    slow = await openSide(SLOW);
  });

  afterEach(async () => {
    await closeSide(fast);
    await closeSide(slow);
    mock.timers.reset();
  });

  /** Moves the mocked clock to `t` ms after the test's start (timers fire synchronously, in order). */
  function clockTo(t: number): void {
    mock.timers.tick(t - now);
    now = t;
  }

  it("leaves sip.js's module-level Timers as sip.js ships them", () => {
    // sip.js's own table: T1 = 500 and D/I/J/K = 0. Before, starting a stack overwrote it (TIMER_D = 64*T1).
    assert.equal(Timers.T1, 500);
    assert.equal(Timers.TIMER_B, 64 * 500);
    assert.equal(Timers.TIMER_D, 0);
    assert.equal(Timers.TIMER_K, 0);
  });

  it('INVITE client transactions: Timer A retransmits at each stack’s T1, 2T1, 4T1…; Timer B fails each at its 64*T1', async () => {
    const failed = { fast: [] as number[], slow: [] as number[] };
    dialPeer(fast).on('failed', (code) => failed.fast.push(code));
    dialPeer(slow).on('failed', (code) => failed.slow.push(code));
    await fast.peer.next(isRequest('INVITE'));
    await slow.peer.next(isRequest('INVITE'));
    const fastAt = schedule(FAST, 4000, true);
    const slowAt = schedule(SLOW, 4000, true);
    assert.deepEqual(fastAt, [100, 300, 700, 1500, 3100, 6300]);

    for (const t of [...new Set([...fastAt, ...slowAt, 64 * FAST])].sort((a, b) => a - b)) {
      clockTo(t - 1);
      assert.equal(fast.stack.stats.retransmissionsOut, upTo(fastAt, t - 1), `T1=${FAST}: retransmissions by ${t - 1} ms`);
      assert.equal(slow.stack.stats.retransmissionsOut, upTo(slowAt, t - 1), `T1=${SLOW}: retransmissions by ${t - 1} ms`);
      clockTo(t);
      assert.equal(fast.stack.stats.retransmissionsOut, upTo(fastAt, t), `T1=${FAST}: retransmissions by ${t} ms`);
      assert.equal(slow.stack.stats.retransmissionsOut, upTo(slowAt, t), `T1=${SLOW}: retransmissions by ${t} ms`);
    }
    assert.deepEqual(failed, { fast: [408], slow: [] }, 'Timer B of the T1=100 stack at 6400 ms only');
    clockTo(64 * SLOW - 1);
    assert.deepEqual(failed.slow, [], 'the T1=400 stack still trying at 25599 ms');
    clockTo(64 * SLOW);
    assert.deepEqual(failed, { fast: [408], slow: [408] }, 'Timer B of the T1=400 stack at 25600 ms');
    assert.equal(fast.stack.stats.retransmissionsOut, 6);
    assert.equal(slow.stack.stats.retransmissionsOut, 6);
  });

  it('INVITE server transactions: a 486 is retransmitted at each stack’s T1 doubling to T2 (Timer G) until its own Timer H', async () => {
    fast.onCall = slow.onCall = (call) => call.reject(486);
    await fast.peer.send(inviteTo(fast), fast.stack.address.port);
    await slow.peer.send(inviteTo(slow), slow.stack.address.port);
    await fast.peer.next(isResponse(486, 'INVITE'));
    await slow.peer.next(isResponse(486, 'INVITE'));
    const fastAt = schedule(FAST, 4000, false);
    const slowAt = schedule(SLOW, 4000, false);
    assert.deepEqual(fastAt, [100, 300, 700, 1500, 3100, 6300]);
    const checkpoints = [...fastAt, ...slowAt, 64 * FAST - 1, 64 * FAST, 64 * SLOW - 1, 64 * SLOW];
    for (const t of [...new Set(checkpoints)].sort((a, b) => a - b)) {
      clockTo(t);
      assert.equal(fast.stack.stats.retransmissionsOut, upTo(fastAt, t), `T1=${FAST}: 486 retransmissions by ${t} ms`);
      assert.equal(slow.stack.stats.retransmissionsOut, upTo(slowAt, t), `T1=${SLOW}: 486 retransmissions by ${t} ms`);
      // Timer H: the transaction waits for the ACK until 64*T1 (counted by pendingDialogWork), then ends.
      assert.equal(fast.stack.pendingDialogWork.serverTransactions, t < 64 * FAST ? 1 : 0, `T1=${FAST}: waiting for the ACK at ${t} ms`);
      assert.equal(slow.stack.pendingDialogWork.serverTransactions, t < 64 * SLOW ? 1 : 0, `T1=${SLOW}: waiting for the ACK at ${t} ms`);
    }
  });

  it('dialogs: a 2xx is retransmitted at each stack’s T1 until its own 64*T1 ACK timeout; the BYE then ends at its own Timer F', async () => {
    const events = { fast: [] as string[], slow: [] as string[] };
    const answer = (name: 'fast' | 'slow') => (call: InboundCall) => {
      call.on('ackTimeout', () => events[name].push('ackTimeout'));
      call.answer(staticSdp());
    };
    fast.onCall = answer('fast');
    slow.onCall = answer('slow');
    await fast.peer.send(inviteTo(fast), fast.stack.address.port);
    await slow.peer.send(inviteTo(slow), slow.stack.address.port);
    await fast.peer.next(isResponse(200, 'INVITE'));
    await slow.peer.next(isResponse(200, 'INVITE'));

    clockTo(FAST);
    assert.equal(fast.stack.stats.retransmissionsOut, 1, 'T1=100: first 2xx retransmission at 100 ms');
    assert.equal(slow.stack.stats.retransmissionsOut, 0, 'T1=400: none yet at 100 ms');
    clockTo(SLOW - 1);
    assert.equal(slow.stack.stats.retransmissionsOut, 0);
    clockTo(SLOW);
    assert.equal(slow.stack.stats.retransmissionsOut, 1, 'T1=400: first 2xx retransmission at 400 ms');

    clockTo(64 * FAST);
    assert.deepEqual(events, { fast: ['ackTimeout'], slow: [] }, 'ACK timeout of the T1=100 stack at 6400 ms');
    await fast.peer.next(isRequest('BYE'));
    // The BYE (a non-INVITE client transaction) is unanswered: Timer E retransmits it, Timer F ends it at 64*T1.
    assert.equal(fast.stack.pendingDialogWork.clientTransactions, 1);
    clockTo(2 * 64 * FAST - 1);
    assert.equal(fast.stack.pendingDialogWork.clientTransactions, 1, 'the BYE is still trying before its Timer F');
    clockTo(2 * 64 * FAST);
    assert.equal(fast.stack.pendingDialogWork.clientTransactions, 0, 'Timer F of the T1=100 stack, 6400 ms after its BYE');

    clockTo(64 * SLOW - 1);
    assert.deepEqual(events.slow, [], 'the T1=400 stack still waits for its ACK');
    clockTo(64 * SLOW);
    assert.deepEqual(events.slow, ['ackTimeout'], 'ACK timeout of the T1=400 stack at 25600 ms');
    await slow.peer.next(isRequest('BYE'));
    clockTo(2 * 64 * SLOW - 1);
    assert.equal(slow.stack.pendingDialogWork.clientTransactions, 1);
    clockTo(2 * 64 * SLOW);
    assert.equal(slow.stack.pendingDialogWork.clientTransactions, 0, 'Timer F of the T1=400 stack, 25600 ms after its BYE');
  });
});

describe('two stacks in one process, T1 = 100 ms and T1 = 400 ms (real clock)', () => {
  it('each stack’s INVITE to an unresponsive peer is retransmitted 6 times and fails at its own 64*T1', { timeout: 90_000 }, async () => {
    const fast = await openSide(FAST);
    const slow = await openSide(SLOW);
    try {
      const invites = (side: Side) => side.peer.count(isRequest('INVITE'));
      const start = performance.now();
      const fastFailed = nextEvent<[number]>(dialPeer(fast), 'failed', 60_000).then(([code]) => ({ code, at: performance.now() - start }));
      const slowCall = dialPeer(slow);
      const slowFailed = nextEvent<[number]>(slowCall, 'failed', 60_000).then(([code]) => ({ code, at: performance.now() - start }));

      const f = await fastFailed;
      const slowInvitesThen = invites(slow);
      const slowStateThen = slowCall.state;
      const s = await slowFailed;

      assert.equal(f.code, 408);
      assert.equal(s.code, 408);
      // Timers fire late under load, never early (1 ms of rounding allowed).
      assert.ok(f.at >= 64 * FAST - 1, `T1=${FAST}: Timer B after ${f.at.toFixed(0)} ms, not before 6400`);
      assert.ok(f.at < 64 * SLOW, `T1=${FAST}: Timer B after ${f.at.toFixed(0)} ms, not the other stack's 25600`);
      assert.ok(s.at >= 64 * SLOW - 1, `T1=${SLOW}: Timer B after ${s.at.toFixed(0)} ms, not before 25600 (not the other stack's 6400)`);
      assert.equal(slowStateThen, 'calling', 'the T1=400 call was still trying when the T1=100 one failed');
      // By the T1=100 stack's Timer B (≥ 6400 ms), the T1=400 stack has sent at 0, 400, 1200, 2800, 6000 ms, and
      // its next retransmission is not due before 12400 ms.
      assert.ok(slowInvitesThen <= 5, `T1=${SLOW}: ${slowInvitesThen} INVITEs by the other stack's Timer B (at most 5)`);
      // Timer A: T1, 2T1, …, 32T1 — six retransmissions before 64*T1, whatever T1 is.
      await until(() => invites(fast) >= 7 && invites(slow) >= 7, 'seven INVITEs at each peer');
      assert.equal(invites(fast), 7);
      assert.equal(invites(slow), 7);
      assert.equal(fast.stack.stats.retransmissionsOut, 6);
      assert.equal(slow.stack.stats.retransmissionsOut, 6);
    } finally {
      await closeSide(fast);
      await closeSide(slow);
    }
  });
});
