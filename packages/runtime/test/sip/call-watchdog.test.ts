/**
 * The call watchdog on its own (the lossy-CANCEL e2e covers the INVITE given up after our CANCEL): a call not yet
 * confirmed whose Call-ID has no live transaction is ended once it has been silent for 64·T1, with a warn line and
 * a count; a message of the call, a live transaction or a confirmed dialog keeps it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransactionState, type UserAgentCore } from 'sip.js/lib/core/index.js';
import { CallWatchdog, type WatchedCall } from '../../src/sip/call-watchdog.js';
import { zeroSipStats } from '../../src/sip/index.js';
import { captureLogger } from './helpers.js';

const T1 = 500;

class Call implements WatchedCall {
  expired: string[] = [];
  constructor(
    readonly callId: string,
    public state: string,
  ) {}
  expire(cause: string): void {
    this.expired.push(cause);
    this.state = 'ended';
  }
}

/** A core whose only transaction is a server transaction of `liveCallId` (if given). */
function fakeCore(live: { callId?: string }): () => UserAgentCore {
  return () =>
    ({
      userAgentServers: new Map(
        live.callId ? [['t1', { transaction: { state: TransactionState.Proceeding, request: { callId: live.callId } } }]] : [],
      ),
      userAgentClients: new Map(),
    }) as unknown as UserAgentCore;
}

describe('call watchdog', () => {
  it('ends a call that is silent for 64·T1 with no live transaction; spares confirmed calls and calls with a transaction', () => {
    const { logger, records } = captureLogger('warn');
    const silent = new Call('silent', 'early');
    const confirmed = new Call('confirmed', 'confirmed');
    const ringing = new Call('ringing', 'early');
    const s = zeroSipStats();
    const dog = new CallWatchdog(T1, fakeCore({ callId: 'ringing' }), () => [silent, confirmed, ringing], s, logger);
    try {
      dog.sweep(0);
      dog.sweep(64 * T1 - 1);
      assert.deepEqual(silent.expired, [], 'not before 64·T1');
      dog.sweep(64 * T1);
      assert.deepEqual(silent.expired, ['silent-dialog']);
      assert.deepEqual(confirmed.expired, [], 'a confirmed dialog has no timer: left to the RTP timeout');
      assert.deepEqual(ringing.expired, [], 'its INVITE transaction is alive');
      assert.equal(s.watchdogEnded['silent-dialog'], 1);
      const line = records.find((r) => String(r.msg).startsWith('sip watchdog:'));
      assert.equal(line?.callId, 'silent');
      assert.equal(line?.cause, 'silent-dialog');
    } finally {
      dog.stop();
    }
  });

  it('a message of the call starts its 64·T1 again', () => {
    const { logger } = captureLogger('warn');
    const call = new Call('c', 'calling');
    const dog = new CallWatchdog(T1, fakeCore({}), () => [call], zeroSipStats(), logger);
    try {
      dog.sweep(0);
      dog.heard('c');
      dog.sweep(40 * T1); // first seen silent again here
      dog.sweep(64 * T1);
      assert.deepEqual(call.expired, [], 'heard at 0: silent only since 40·T1');
      dog.sweep(104 * T1);
      assert.deepEqual(call.expired, ['silent-dialog']);
    } finally {
      dog.stop();
    }
  });
});
