/**
 * Outbound INVITE answered by a raw UDP peer with provisionals sip.js cannot build an early dialog from (no Contact,
 * no To-tag), or with 100 only: `provisional` still fires, and hangup() still CANCELs (RFC 3261 §9.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SipStack, type OutboundCall } from '../../src/sip/index.js';
import { captureLogger, nextEvent, staticSdp } from './helpers.js';
import { RawPeer, header, isRequest, responseTo } from './raw-peer.js';

/** responseTo() adds a To-tag; these strip it again when a test needs a tagless response. */
function withoutToTag(response: string): string {
  return response.replace(/^(To:.*?);tag=[^;\r\n]*/im, '$1');
}

describe('outbound call: provisionals without early dialog', () => {
  let stack: SipStack;
  let peer: RawPeer;

  before(async () => {
    stack = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger });
    peer = await RawPeer.open();
  });
  after(async () => {
    await stack.stop();
    await peer.close();
  });

  /** The INVITE for `user` (retransmitted INVITEs of earlier tests' calls are skipped). */
  const inviteFor = (user: string) => peer.next((m) => m.startsWith(`INVITE sip:${user}@`));

  function dial(user: string): { call: OutboundCall; events: string[]; ended: Promise<unknown[]> } {
    const call = stack.dial({ to: `sip:${user}@127.0.0.1:${peer.port}`, from: { user: 'a' }, sdp: staticSdp() });
    const events: string[] = [];
    call.on('provisional', (code, reason, sdp) => events.push(`provisional ${code} ${reason} ${sdp ? 'sdp' : '-'}`));
    for (const e of ['answered', 'failed', 'bye'] as const) call.on(e, () => events.push(e));
    const ended = nextEvent<unknown[]>(call, 'ended');
    let endedCount = 0;
    call.on('ended', () => {
      endedCount++;
      if (endedCount > 1) events.push('ended again');
    });
    return { call, events, ended };
  }

  /** The peer's side of a CANCEL: 200 to the CANCEL, 487 to the INVITE, then the stack's ACK for the 487. */
  async function answerCancel(invite: string, toTag: string): Promise<string> {
    const callId = header(invite, 'Call-ID');
    const cancel = await peer.next((m) => isRequest('CANCEL')(m) && header(m, 'Call-ID') === callId);
    assert.equal(header(cancel, 'Call-ID'), header(invite, 'Call-ID'));
    assert.match(header(cancel, 'CSeq') ?? '', /^\d+ CANCEL$/);
    assert.equal(/branch=([^;\s]+)/.exec(header(cancel, 'Via') ?? '')?.[1], /branch=([^;\s]+)/.exec(header(invite, 'Via') ?? '')?.[1]);
    await peer.send(responseTo(cancel, 200, 'OK', toTag), stack.address.port);
    await peer.send(responseTo(invite, 487, 'Request Terminated', toTag), stack.address.port);
    const ack = await peer.next((m) => isRequest('ACK')(m) && header(m, 'Call-ID') === callId);
    assert.equal(header(ack, 'Call-ID'), header(invite, 'Call-ID'));
    assert.match(header(ack, 'To') ?? '', new RegExp(`tag=${toTag}`));
    return ack;
  }

  it('180 without Contact (after 100) fires provisional; hangup sends CANCEL, 487 is ACKed, ended once', async () => {
    const { call, events, ended } = dial('nocontact');
    const invite = await inviteFor('nocontact');
    await peer.send(withoutToTag(responseTo(invite, 100, 'Trying', 'x')), stack.address.port);
    const provisional = nextEvent<[number, string, string | undefined]>(call, 'provisional');
    await peer.send(responseTo(invite, 180, 'Ringing', 'nc1'), stack.address.port); // no Contact header
    assert.deepEqual(await provisional, [180, 'Ringing', undefined]);
    assert.equal(call.state, 'early');
    call.hangup();
    assert.deepEqual(await ended, ['local']);
    await answerCancel(invite, 'nc1');
    assert.deepEqual(events, ['provisional 180 Ringing -']);
  });

  it('183 with SDP, without Contact and without To-tag, reports the early SDP; CANCEL on hangup', async () => {
    const { call, events, ended } = dial('notag');
    const invite = await inviteFor('notag');
    const provisional = nextEvent<[number, string, string | undefined]>(call, 'provisional');
    await peer.send(withoutToTag(responseTo(invite, 183, 'Session Progress', 'x', [], staticSdp(41000, '2'))), stack.address.port);
    const [code, , sdp] = await provisional;
    assert.equal(code, 183);
    assert.match(sdp ?? '', /m=audio 41000 /);
    call.hangup();
    await answerCancel(invite, 'nt1');
    assert.deepEqual(await ended, ['local']);
    assert.deepEqual(events, ['provisional 183 Session Progress sdp']);
  });

  it('hangup before any response: CANCEL goes out when the 100 arrives', async () => {
    const { call, events, ended } = dial('trying');
    const invite = await inviteFor('trying');
    // Hang up before any response: the CANCEL waits for the first 1xx, here a 100.
    call.hangup();
    assert.deepEqual(await ended, ['local']);
    await peer.send(withoutToTag(responseTo(invite, 100, 'Trying', 'x')), stack.address.port);
    await answerCancel(invite, 'tr1');
    assert.deepEqual(events, [], '100 is not reported as provisional');
  });

  it('only 100 Trying received before hangup: CANCEL is sent', async () => {
    const { call, events, ended } = dial('trying2');
    const invite = await inviteFor('trying2');
    await peer.send(withoutToTag(responseTo(invite, 100, 'Trying', 'x')), stack.address.port);
    // No event marks a 100; an OPTIONS answered by the stack after the 100 (same socket, in order) shows it was read.
    await peer.send(
      [
        `OPTIONS sip:a@127.0.0.1:${stack.address.port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-opt-tr2;rport`,
        `From: <sip:peer@127.0.0.1:${peer.port}>;tag=o1`,
        `To: <sip:a@127.0.0.1:${stack.address.port}>`,
        'Call-ID: opt-trying2',
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      stack.address.port,
    );
    await peer.next((m) => m.startsWith('SIP/2.0 200 ') && /Call-ID:\s*opt-trying2/i.test(m));
    call.hangup();
    assert.deepEqual(await ended, ['local']);
    await answerCancel(invite, 'tr2');
    assert.deepEqual(events, []);
  });
});

describe('outbound call: hangup and no response at all', () => {
  it('no CANCEL is sent; the INVITE transaction times out (Timer B) and is gone', async () => {
    const timers = { t1: 20, t2: 160, t4: 200 }; // Timer B = 64*T1 = 1.28 s
    const stack = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger, timers });
    const peer = await RawPeer.open();
    try {
      const call = stack.dial({ to: `sip:silent@127.0.0.1:${peer.port}`, from: { user: 'a' }, sdp: staticSdp() });
      const events: string[] = [];
      for (const e of ['provisional', 'answered', 'failed', 'ended'] as const) call.on(e, () => events.push(e));
      await peer.next(isRequest('INVITE'));
      call.hangup();
      assert.deepEqual(events, ['ended']);
      const deadline = Date.now() + 20000;
      while (stack.internals.transactions > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(stack.internals.transactions, 0, 'the INVITE transaction ended by Timer B');
      assert.ok(peer.count(isRequest('INVITE')) > 1, 'the INVITE was retransmitted until Timer B');
      assert.equal(peer.count(isRequest('CANCEL')), 0);
      assert.deepEqual(events, ['ended'], 'ended once, nothing after');
    } finally {
      await stack.stop();
      await peer.close();
    }
  });
});
