/**
 * Two stacks over loopback UDP, one calling the other, with loss injected at the transport: (a) the first copy of
 * every message dropped, (b) 10% dropped at random (seeded). Calls still complete with the right codes because the
 * retransmission timers (A, E, G, the 2xx/ACK pair) and the transactions' absorption of repeats do their work.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { SipStack, type CallEndReason, type InboundCall } from '../../src/sip/index.js';
import { captureLogger, nextEvent, seededRandom, staticSdp } from './helpers.js';

/** Short timers keep lossy calls quick; the ratios between them are RFC 3261's. */
const timers = { t1: 100, t2: 400, t4: 500 };

type Loss = () => (direction: 'in' | 'out', message: string) => boolean;

const losses: Record<string, Loss> = {
  'first copy of every message dropped': () => {
    const seen = new Set<string>();
    return (direction, message) => {
      if (direction === 'in') return true;
      if (seen.has(message)) return true;
      seen.add(message);
      return false;
    };
  },
  '10% dropped at random (seeded)': () => {
    const random = seededRandom(20261126);
    return (direction) => direction === 'in' || random() >= 0.1;
  },
};

/** Records, per direction, the first lines of messages a stack saw, and lets a test await one. */
class Wire {
  readonly lines: string[] = [];
  readonly #waiters: Array<{ pred: (line: string) => boolean; resolve: () => void }> = [];

  record(direction: 'in' | 'out', message: string): void {
    const callId = /\r\nCall-ID:\s*(\S+)/i.exec(message)?.[1] ?? '';
    const line = `${direction} ${message.slice(0, message.indexOf('\r\n'))} ${callId}`;
    this.lines.push(line);
    for (const w of [...this.#waiters]) {
      if (w.pred(line)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  waitFor(pred: (line: string) => boolean, ms = 30000): Promise<void> {
    if (this.lines.some(pred)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting on the wire')), ms);
      this.#waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

for (const [lossName, makeLoss] of Object.entries(losses)) {
  describe(`loopback calls with ${lossName}`, () => {
    const stacks: SipStack[] = [];
    afterEach(async () => {
      await Promise.all(stacks.splice(0).map((s) => s.stop()));
    });

    async function pair() {
      const { logger } = captureLogger('error');
      const callerWire = new Wire();
      const calleeWire = new Wire();
      const callerLoss = makeLoss();
      const calleeLoss = makeLoss();
      const caller = await SipStack.start({
        port: 0,
        logger,
        timers,
        lossFilter: (d, m) => {
          const pass = callerLoss(d, m);
          if (pass) callerWire.record(d, m);
          return pass;
        },
      });
      const callee = await SipStack.start({
        port: 0,
        logger,
        timers,
        lossFilter: (d, m) => {
          const pass = calleeLoss(d, m);
          if (pass) calleeWire.record(d, m);
          return pass;
        },
      });
      stacks.push(caller, callee);
      const target = (user: string) => `sip:${user}@127.0.0.1:${callee.address.port}`;
      return { caller, callee, callerWire, calleeWire, target };
    }

    const CALLS = 4;

    it('answered, then BYE from the caller: 200 / ACK / BYE 200', async () => {
      const { caller, callee, target } = await pair();
      const inbound: Array<{ call: InboundCall; ended: Promise<[CallEndReason]> }> = [];
      const acked: Array<Promise<unknown>> = [];
      callee.onInvite((call) => {
        inbound.push({ call, ended: nextEvent<[CallEndReason]>(call, 'ended', 30000) });
        acked.push(nextEvent(call, 'acked', 30000));
        call.progress(180);
        call.answer(staticSdp(40002));
      });
      const calls = Array.from({ length: CALLS }, (_, i) =>
        caller.dial({ to: target(`answer${i}`), from: { user: 'caller' }, sdp: staticSdp(40000) }),
      );
      const answers = await Promise.all(calls.map((c) => nextEvent<[string | undefined]>(c, 'answered', 30000)));
      for (const [sdp] of answers) assert.match(sdp ?? '', /m=audio 40002/);
      await Promise.all(acked);
      assert.equal(inbound.length, CALLS);
      for (const c of inbound) assert.match(c.call.requestUser, /^answer\d$/);
      const callerEnded = calls.map((c) => nextEvent<[CallEndReason]>(c, 'ended', 30000));
      for (const c of calls) c.hangup();
      assert.deepEqual(
        await Promise.all(callerEnded),
        calls.map(() => ['local']),
      );
      assert.deepEqual(
        await Promise.all(inbound.map((c) => c.ended)),
        calls.map(() => ['bye']),
      );
      if (lossName.startsWith('first')) {
        const stats = JSON.stringify({ caller: caller.stats, callee: callee.stats });
        assert.ok(caller.stats.retransmissionsOut > 0 && callee.stats.retransmissionsOut > 0, stats);
      }
    });

    it('answered, then BYE from the callee: the caller gets bye', async () => {
      const { caller, callee, target } = await pair();
      callee.onInvite((call) => {
        call.on('acked', () => call.hangup());
        call.answer(staticSdp());
      });
      const calls = Array.from({ length: CALLS }, (_, i) => caller.dial({ to: target(`b${i}`), from: { user: 'caller' }, sdp: staticSdp() }));
      const events = calls.map((c) => {
        const seen: string[] = [];
        for (const e of ['answered', 'bye', 'failed'] as const) c.on(e, () => seen.push(e));
        return { seen, ended: nextEvent<[CallEndReason]>(c, 'ended', 30000) };
      });
      for (const e of events) {
        assert.deepEqual(await e.ended, ['bye']);
        assert.deepEqual(e.seen, ['answered', 'bye']);
      }
    });

    it('cancelled while ringing: 200 to CANCEL, 487 to the INVITE', async () => {
      const { caller, callee, callerWire, calleeWire, target } = await pair();
      const cancelled: Array<Promise<[CallEndReason]>> = [];
      const outbound = new Map<string, { hangup(): void }>();
      callee.onInvite((call) => {
        cancelled.push(nextEvent<[CallEndReason]>(call, 'ended', 30000));
        call.progress(180);
        // The caller gives up while this side rings (its CANCEL waits for a provisional if it has none yet).
        outbound.get(call.callId)?.hangup();
      });
      const calls = Array.from({ length: CALLS }, (_, i) => {
        const c = caller.dial({ to: target(`c${i}`), from: { user: 'caller' }, sdp: staticSdp() });
        outbound.set(c.callId, c);
        return c;
      });
      const ended = await Promise.all(calls.map((c) => nextEvent<[CallEndReason]>(c, 'ended', 30000)));
      assert.deepEqual(
        ended,
        calls.map(() => ['local']),
      );
      assert.deepEqual(
        await Promise.all(cancelled),
        calls.map(() => ['cancel']),
      );
      for (const c of calls) {
        await callerWire.waitFor((l) => l.startsWith('in SIP/2.0 487') && l.endsWith(c.callId));
        await calleeWire.waitFor((l) => l.startsWith('in ACK') && l.endsWith(c.callId));
        // The only 200 of a cancelled call answers the CANCEL.
        await callerWire.waitFor((l) => l.startsWith('in SIP/2.0 200') && l.endsWith(c.callId));
      }
    });

    it('rejected with 486: the caller fails with 486', async () => {
      const { caller, callee, calleeWire, target } = await pair();
      callee.onInvite((call) => call.reject(486));
      const calls = Array.from({ length: CALLS }, (_, i) => caller.dial({ to: target(`r${i}`), from: { user: 'caller' }, sdp: staticSdp() }));
      const failed = await Promise.all(calls.map((c) => nextEvent<[number, string]>(c, 'failed', 30000)));
      assert.deepEqual(
        failed.map(([code]) => code),
        calls.map(() => 486),
      );
      // Timer G stops with the ACK.
      for (const c of calls) await calleeWire.waitFor((l) => l.startsWith('in ACK') && l.endsWith(c.callId));
    });
  });
}
