/**
 * Outbound call to a sipp UAS whose 180 carries no Contact (so sip.js builds no early dialog): the call still reports
 * `provisional`, and hangup() still CANCELs; sipp checks 200/487/ACK on its side.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SipStack, type CallEndReason } from '../../packages/runtime/src/sip/index.js';
import { captureLogger, nextEvent, staticSdp } from '../../packages/runtime/test/sip/helpers.js';
import { startSipp } from '../support/sipp.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));

describe('outbound provisional without Contact, against sipp', () => {
  let stack: SipStack;

  before(async () => {
    stack = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger });
  });
  after(async () => {
    await stack.stop();
  });

  it('180 without Contact → provisional; hangup → CANCEL, 200, 487, ACK', async () => {
    const sipp = await startSipp({ scenario: { file: scenario('sip-provisional-nocontact-uas.xml') }, calls: 1, timeoutSec: 30 });
    try {
      const call = stack.dial({ to: `sip:ring@127.0.0.1:${sipp.port}`, from: { user: 'sipflow' }, sdp: staticSdp() });
      const events: string[] = [];
      for (const e of ['answered', 'failed', 'bye', 'ended'] as const) call.on(e, () => events.push(e));
      const ended = nextEvent<[CallEndReason]>(call, 'ended', 30000);
      const [code, reason] = await nextEvent<[number, string, string | undefined]>(call, 'provisional', 30000);
      assert.deepEqual([code, reason], [180, 'Ringing']);
      call.hangup();
      assert.deepEqual(await ended, ['local']);
      const res = await sipp.done;
      assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);
      assert.equal(res.stats['SuccessfulCall(C)'], '1');
      assert.deepEqual(events, ['ended']);
    } finally {
      sipp.kill();
    }
  });
});
