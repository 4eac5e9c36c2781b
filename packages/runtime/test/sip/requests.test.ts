/**
 * What the stack answers to requests on its own: OPTIONS, unsupported and unknown methods, requests with bad
 * mandatory headers, INVITEs with no handler, INVITEs to any user, received/rport on responses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SipStack, type InboundCall } from '../../src/sip/index.js';
import { captureLogger, staticSdp } from './helpers.js';
import { RawPeer, header, isResponse, request } from './raw-peer.js';

describe('requests the stack answers itself', () => {
  let stack: SipStack;
  let peer: RawPeer;
  const captured = captureLogger('warn');
  let seq = 0;

  before(async () => {
    peer = await RawPeer.open();
    stack = await SipStack.start({ port: 0, logger: captured.logger });
  });
  after(async () => {
    await stack.stop();
    await peer.close();
  });

  function req(method: string, extra: Partial<Parameters<typeof request>[0]> = {}): string {
    seq++;
    return request({
      method,
      ruri: `sip:someone@127.0.0.1:${stack.address.port}`,
      branch: `z9hG4bK-r${seq}`,
      callId: `req-${seq}`,
      cseq: 1,
      fromTag: `f${seq}`,
      peerPort: peer.port,
      ...extra,
    });
  }

  it('INVITE with no handler set: 100 then 503', async () => {
    await peer.send(req('INVITE', { body: staticSdp() }), stack.address.port);
    await peer.next(isResponse(100, 'INVITE'));
    await peer.next(isResponse(503, 'INVITE'));
  });

  it('OPTIONS → 200 with Allow', async () => {
    await peer.send(req('OPTIONS'), stack.address.port);
    const ok = await peer.next(isResponse(200, 'OPTIONS'));
    assert.match(header(ok, 'Allow') ?? '', /INVITE.*ACK.*CANCEL.*BYE.*OPTIONS/);
  });

  it('Require of an extension we lack (100rel, timer) → 420 Bad Extension naming it in Unsupported; no call', async () => {
    const calls: InboundCall[] = [];
    stack.onInvite((c) => calls.push(c));
    try {
      await peer.send(req('INVITE', { body: staticSdp(), extra: ['Require: 100rel, timer', 'Supported: replaces'] }), stack.address.port);
      const r420 = await peer.next(isResponse(420, 'INVITE'));
      assert.equal(header(r420, 'Unsupported'), '100rel, timer');
      await peer.send(req('OPTIONS', { extra: ['Require: foo'] }), stack.address.port);
      const o420 = await peer.next(isResponse(420, 'OPTIONS'));
      assert.equal(header(o420, 'Unsupported'), 'foo');
      // Supported (not Require) is only a hint: the INVITE is taken.
      await peer.send(req('INVITE', { body: staticSdp(), extra: ['Supported: 100rel, timer'] }), stack.address.port);
      await peer.next(isResponse(100, 'INVITE'));
      assert.equal(calls.length, 1, 'only the INVITE without Require became a call');
      calls[0]!.reject(486);
      await peer.next(isResponse(486, 'INVITE'));
    } finally {
      stack.onInvite(() => undefined);
    }
  });

  it('a known but unsupported method → 405 with Allow; an unknown one → 501', async () => {
    await peer.send(req('REGISTER'), stack.address.port);
    const r405 = await peer.next(isResponse(405, 'REGISTER'));
    assert.match(header(r405, 'Allow') ?? '', /INVITE/);
    await peer.send(req('MESSAGE', { body: 'hi' }), stack.address.port);
    await peer.next(isResponse(405, 'MESSAGE'));
    await peer.send(req('FROBNICATE'), stack.address.port);
    const r501 = await peer.next(isResponse(501, 'FROBNICATE'));
    assert.match(header(r501, 'Allow') ?? '', /INVITE/);
  });

  it('missing or inconsistent mandatory headers → 400, logged once', async () => {
    const before = captured.records.length;
    const dropped = stack.stats.malformedDropped;
    const noCallId = req('OPTIONS').replace(/^Call-ID:.*\r\n/m, '');
    await peer.send(noCallId, stack.address.port);
    await peer.next((m) => m.startsWith('SIP/2.0 400 ') && /CSeq: 1 OPTIONS/.test(m));
    const badCseq = req('OPTIONS').replace(/^CSeq:.*$/m, 'CSeq: 1 INVITE');
    await peer.send(badCseq, stack.address.port);
    await peer.next((m) => m.startsWith('SIP/2.0 400 ') && /CSeq: 1 INVITE/.test(m));
    const noContact = req('INVITE').replace(/^Contact:.*\r\n/m, '');
    await peer.send(noContact, stack.address.port);
    await peer.next(isResponse(400, 'INVITE'));
    const truncated = req('INVITE', { body: staticSdp() });
    await peer.send(truncated.slice(0, truncated.length - 20), stack.address.port);
    await peer.next(isResponse(400, 'INVITE'));
    assert.equal(stack.stats.malformedDropped - dropped, 4);
    const lines = captured.records.slice(before).filter((r) => r.msg === 'sip: malformed message dropped');
    assert.equal(lines.length, 4);
  });

  it('INVITE to any user is offered to the handler, with R-URI user and remote address', async () => {
    const got: InboundCall[] = [];
    stack.onInvite((call) => {
      got.push(call);
      call.reject(486, 'Busy Here');
    });
    await peer.send(req('INVITE', { ruri: `sip:35@127.0.0.1:${stack.address.port}`, body: staticSdp() }), stack.address.port);
    const busy = await peer.next(isResponse(486, 'INVITE'));
    assert.equal(got.length, 1);
    const call = got[0]!;
    assert.equal(call.requestUser, '35');
    assert.equal(call.requestUri, `sip:35@127.0.0.1:${stack.address.port}`);
    assert.deepEqual(call.remote, { address: '127.0.0.1', port: peer.port, transport: 'udp' });
    assert.equal(call.remoteSdp, staticSdp());
    assert.equal(call.header('max-forwards'), '70');
    assert.equal(call.state, 'ended');
    // RFC 3581: rport filled in and received added on the response's Via.
    assert.match(header(busy, 'Via') ?? '', new RegExp(`;rport=${peer.port}`));
    assert.match(header(busy, 'Via') ?? '', /;received=127\.0\.0\.1/);
  });

  it('answer/progress/reject after the call ended are ignored; in a wrong state they throw a coded error', async () => {
    const got: InboundCall[] = [];
    stack.onInvite((call) => {
      got.push(call);
      call.reject(404);
    });
    await peer.send(req('INVITE', { body: staticSdp() }), stack.address.port);
    await peer.next(isResponse(404, 'INVITE'));
    const call = got[0]!;
    assert.doesNotThrow(() => call.answer(staticSdp()));
    assert.doesNotThrow(() => call.progress(180));
    assert.doesNotThrow(() => call.reject(486));
    const codes: Array<string | undefined> = [];
    const attempt = (fn: () => void) => {
      try {
        fn();
        codes.push('no throw');
      } catch (err) {
        codes.push((err as { code?: string }).code);
      }
    };
    stack.onInvite((c) => {
      got.push(c);
      c.answer(staticSdp());
      attempt(() => c.progress(183));
      attempt(() => c.reject(486));
      c.hangup();
    });
    await peer.send(req('INVITE', { body: staticSdp() }), stack.address.port);
    await peer.next(isResponse(200, 'INVITE'));
    assert.equal(got.length, 2);
    assert.deepEqual(codes, ['SIP_INVALID_STATE', 'SIP_INVALID_STATE']);
  });

  it('hangup before answer rejects with 480 by default', async () => {
    stack.onInvite((call) => call.hangup());
    await peer.send(req('INVITE', { body: staticSdp() }), stack.address.port);
    await peer.next(isResponse(480, 'INVITE'));
  });

  it('a port already taken: start() rejects with SIP_BIND_FAILED', async () => {
    await assert.rejects(
      SipStack.start({ port: stack.address.port, logger: captured.logger }),
      (err: { code?: string }) => err.code === 'SIP_BIND_FAILED',
    );
  });

  it("CANCEL: its 200 and the 487 carry the To tag of the INVITE's responses (before any 1xx, after a 180, retransmitted)", async () => {
    const toTag = (m: string) => /;tag=([^;\s]+)/.exec(header(m, 'To') ?? '')?.[1];
    for (const ring of [false, true]) {
      stack.onInvite((call) => {
        if (ring) call.progress(180);
      });
      seq++;
      const ids = { branch: `z9hG4bK-cx${seq}`, callId: `cancel-tag-${seq}`, fromTag: `cx${seq}` };
      await peer.send(req('INVITE', { ...ids, body: staticSdp() }), stack.address.port);
      const ringing = ring ? toTag(await peer.next(isResponse(180, 'INVITE'))) : undefined;
      if (!ring) await peer.next(isResponse(100, 'INVITE'));
      const cancel = req('CANCEL', ids);
      await peer.send(cancel, stack.address.port);
      const tag = toTag(await peer.next(isResponse(200, 'CANCEL')));
      assert.ok(tag, 'the 200 to the CANCEL has a To tag');
      assert.equal(toTag(await peer.next(isResponse(487, 'INVITE'))), tag, 'the 487 has the same To tag');
      if (ring) assert.equal(tag, ringing, 'the tag of the 180');
      await peer.send(cancel, stack.address.port);
      assert.equal(toTag(await peer.next(isResponse(200, 'CANCEL'))), tag, 'a retransmitted CANCEL gets the same 200');
      await peer.send(req('ACK', { ...ids, toTag: tag }), stack.address.port);
    }
  });

  it('CANCEL for no transaction → 481', async () => {
    await peer.send(req('CANCEL'), stack.address.port);
    await peer.next(isResponse(481, 'CANCEL'));
  });

  it('a merged INVITE (same From tag, Call-ID and CSeq by another branch) → 482 while the first is alive; then a new one is a call', async () => {
    const calls: InboundCall[] = [];
    stack.onInvite((call) => {
      calls.push(call);
      call.progress(180);
    });
    const n = ++seq;
    const keys = stack.internals.inviteKeys;
    const ids = { callId: `merged-${n}`, fromTag: `m${n}`, body: staticSdp() };
    await peer.send(req('INVITE', { ...ids, branch: `z9hG4bK-m${n}a` }), stack.address.port);
    await peer.next(isResponse(180, 'INVITE'));
    // The same request by another path (a forking proxy): not a second call (RFC 3261 §8.2.2.2).
    await peer.send(req('INVITE', { ...ids, branch: `z9hG4bK-m${n}b` }), stack.address.port);
    const loop = await peer.next(isResponse(482, 'INVITE'));
    assert.match(header(loop, 'Via') ?? '', new RegExp(`branch=z9hG4bK-m${n}b;`));
    assert.equal(calls.length, 1);
    assert.equal(stack.internals.inviteKeys, keys + 1, 'one live INVITE indexed');
    calls[0]!.reject(486);
    await peer.next(isResponse(486, 'INVITE'));
    // A new CSeq is a new request: offered as a call.
    await peer.send(req('INVITE', { ...ids, cseq: 2, branch: `z9hG4bK-m${n}c` }), stack.address.port);
    await peer.next(isResponse(180, 'INVITE'));
    assert.equal(calls.length, 2);
    calls[1]!.reject(486);
    await peer.next(isResponse(486, 'INVITE'));
  });

  it('new requests outside any dialog: BYE → 481, INFO → 405, a sips: Request-URI → 416, an ACK matching nothing dropped', async () => {
    await peer.send(req('ACK'), stack.address.port);
    await peer.send(req('BYE'), stack.address.port);
    await peer.next(isResponse(481, 'BYE'));
    await peer.send(req('INFO'), stack.address.port);
    const info = await peer.next(isResponse(405, 'INFO'));
    assert.match(header(info, 'Allow') ?? '', /INVITE/);
    const calls: InboundCall[] = [];
    stack.onInvite((call) => calls.push(call));
    await peer.send(req('INVITE', { ruri: `sips:someone@127.0.0.1:${stack.address.port}`, body: staticSdp() }), stack.address.port);
    await peer.next(isResponse(416, 'INVITE'));
    assert.equal(calls.length, 0);
  });
});
