/**
 * The SIP layer against sipp, an independent peer: inbound answer + BYE (UDP and TCP), outbound call answered by
 * sipp's UAS and hung up by us, CANCEL, 2xx retransmission until ACK, and digest authentication.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SipStack, type CallEndReason, type InboundCall } from '../../packages/runtime/src/sip/index.js';
import { captureLogger, nextEvent, staticSdp } from '../../packages/runtime/test/sip/helpers.js';
import { startSipp } from '../support/sipp.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));

describe('sip layer against sipp', () => {
  let stack: SipStack;
  const { logger } = captureLogger('warn');
  /** What the current test wants done with each new call. */
  let onCall: (call: InboundCall) => void = () => undefined;

  before(async () => {
    stack = await SipStack.start({ port: 0, logger });
    stack.onInvite((call) => onCall(call));
  });
  after(async () => {
    await stack.stop();
  });

  /** Answer every call; collect what each one went through. */
  function answering(): Array<{ events: string[]; ended: Promise<CallEndReason> }> {
    const seen: Array<{ events: string[]; ended: Promise<CallEndReason> }> = [];
    onCall = (call) => {
      const events: string[] = [];
      for (const e of ['acked', 'bye', 'cancelled', 'ackTimeout'] as const) call.on(e, () => events.push(e));
      const ended = new Promise<CallEndReason>((resolve) => call.on('ended', resolve));
      seen.push({ events, ended });
      call.answer(staticSdp());
    };
    return seen;
  }

  for (const transport of ['u1', 't1'] as const) {
    it(`answers sipp -sn uac and takes its BYE (${transport === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const seen = answering();
      const sipp = await startSipp({
        scenario: { builtin: 'uac' },
        remote: `127.0.0.1:${stack.address.port}`,
        calls: 5,
        rate: 10,
        transport,
        timeoutSec: 30,
      });
      const res = await sipp.done;
      assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);
      assert.equal(res.stats['SuccessfulCall(C)'], '5');
      assert.equal(seen.length, 5);
      for (const call of seen) {
        assert.equal(await call.ended, 'bye');
        assert.deepEqual(call.events, ['acked', 'bye']);
      }
    });
  }

  for (const transport of ['u1', 't1'] as const) {
    it(`hangs up a sipp caller with BYE (${transport === 'u1' ? 'UDP' : 'TCP: the BYE reuses the connection'})`, async () => {
      const ended: Array<Promise<CallEndReason>> = [];
      onCall = (call) => {
        ended.push(new Promise((resolve) => call.on('ended', resolve)));
        call.on('acked', () => call.hangup());
        call.answer(staticSdp());
      };
      const sipp = await startSipp({
        scenario: { file: scenario('sip-uac-receives-bye.xml') },
        remote: `127.0.0.1:${stack.address.port}`,
        calls: 3,
        transport,
        timeoutSec: 30,
      });
      const res = await sipp.done;
      assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);
      assert.equal(res.stats['SuccessfulCall(C)'], '3');
      assert.deepEqual(await Promise.all(ended), ['local', 'local', 'local']);
    });
  }

  it('dials sipp -sn uas, is answered, hangs up with BYE', async () => {
    const sipp = await startSipp({ scenario: { builtin: 'uas' }, calls: 1, timeoutSec: 30 });
    const call = stack.dial({
      to: `sip:svc@127.0.0.1:${sipp.port}`,
      from: { user: 'sipflow', displayName: 'Sip Flow' },
      sdp: staticSdp(),
      headers: { 'X-Test': 'uas' },
    });
    const provisional: number[] = [];
    call.on('provisional', (code) => provisional.push(code));
    const ended = nextEvent<[CallEndReason]>(call, 'ended', 30000);
    const [answerSdp] = await nextEvent<[string | undefined]>(call, 'answered', 30000);
    assert.match(answerSdp ?? '', /^v=0/);
    assert.equal(call.state, 'confirmed');
    assert.deepEqual(provisional, [180]);
    call.hangup();
    assert.deepEqual(await ended, ['local']);
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);
    assert.equal(res.stats['SuccessfulCall(C)'], '1');
  });

  it('CANCEL before answer: 200 to CANCEL, 487 to INVITE, ACK absorbed, ended with cancel', async () => {
    const seen: Array<{ events: string[]; ended: Promise<CallEndReason> }> = [];
    onCall = (call) => {
      const events: string[] = [];
      call.on('cancelled', () => events.push('cancelled'));
      seen.push({ events, ended: new Promise((resolve) => call.on('ended', resolve)) });
      call.progress(183, staticSdp());
    };
    const before = { ...stack.stats };
    const sipp = await startSipp({
      scenario: { file: scenario('sip-cancel-uac.xml') },
      remote: `127.0.0.1:${stack.address.port}`,
      calls: 3,
      timeoutSec: 30,
    });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);
    assert.equal(res.stats['SuccessfulCall(C)'], '3');
    assert.equal(seen.length, 3);
    for (const call of seen) {
      assert.equal(await call.ended, 'cancel');
      assert.deepEqual(call.events, ['cancelled']);
    }
    // Per call in: INVITE, CANCEL, ACK; out: 100, 183, 200 (CANCEL), 487 — the ACK drew no response.
    assert.ok(stack.stats.messagesIn - before.messagesIn >= 9);
    assert.equal(stack.stats.messagesOut - before.messagesOut - (stack.stats.retransmissionsOut - before.retransmissionsOut), 12);
  });

  it('retransmits its 200 until the ACK comes', async () => {
    const seen = answering();
    const before = stack.stats.retransmissionsOut;
    const sipp = await startSipp({
      scenario: { file: scenario('sip-noack-uac.xml') },
      remote: `127.0.0.1:${stack.address.port}`,
      calls: 1,
      timeoutSec: 30,
    });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);
    assert.equal(seen.length, 1);
    assert.equal(await seen[0]!.ended, 'bye');
    assert.deepEqual(seen[0]!.events, ['acked', 'bye']);
    assert.ok(stack.stats.retransmissionsOut > before, 'the 200 OK was retransmitted');
  });

  it('answers a 401 challenge with digest credentials', async () => {
    const sipp = await startSipp({ scenario: { file: scenario('sip-digest-uas.xml') }, calls: 1, timeoutSec: 30 });
    const call = stack.dial({
      to: `sip:secure@127.0.0.1:${sipp.port}`,
      from: { user: 'alice' },
      sdp: staticSdp(),
      credentials: { username: 'alice', password: 'secret', realm: 'sipflow.test' },
    });
    const failed: number[] = [];
    call.on('failed', (code) => failed.push(code));
    await nextEvent(call, 'answered', 30000);
    call.hangup();
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed (Authorization not as expected?): ${res.errors.slice(0, 1500)}`);
    assert.deepEqual(failed, []);
  });

  it('reports 401 as failed when the credentials are for another realm', async () => {
    const sipp = await startSipp({
      scenario: { file: scenario('sip-digest-uas.xml') },
      calls: 1,
      timeoutSec: 10,
    });
    const call = stack.dial({
      to: `sip:secure@127.0.0.1:${sipp.port}`,
      from: { user: 'alice' },
      sdp: staticSdp(),
      credentials: { username: 'alice', password: 'secret', realm: 'elsewhere' },
    });
    const [code] = await nextEvent<[number, string]>(call, 'failed', 30000);
    assert.equal(code, 401);
    sipp.kill();
    await sipp.done;
  });
});
