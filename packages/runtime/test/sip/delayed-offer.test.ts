/**
 * Delayed offer at the SIP layer (RFC 3261 §13.2.1), with a raw UDP peer: an INVITE without SDP has no `remoteSdp`;
 * an SDP given to progress() is left out of the 183 (it would be an offer in an unreliable provisional); answer(sdp)
 * puts our offer in the 200, and `acked` carries the ACK's body (the answer).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SipStack, type InboundCall } from '../../src/sip/index.js';
import { captureLogger, nextEvent, staticSdp } from './helpers.js';
import { RawPeer, header, isResponse, request } from './raw-peer.js';

describe('delayed offer (INVITE without SDP)', () => {
  let stack: SipStack;
  let peer: RawPeer;

  before(async () => {
    peer = await RawPeer.open();
    stack = await SipStack.start({ port: 0, logger: captureLogger('error').logger });
  });
  after(async () => {
    await stack.stop();
    await peer.close();
  });

  it('183 without SDP, our offer in the 200, the answer in the ACK reaches acked(sdp)', async () => {
    const calls: InboundCall[] = [];
    stack.onInvite((call) => {
      calls.push(call);
      call.progress(183, staticSdp(41000, 'early'));
      call.answer(staticSdp(41000, 'offer'));
    });
    const base = { ruri: `sip:d@127.0.0.1:${stack.address.port}`, callId: 'delayed-1', fromTag: 'do1', peerPort: peer.port };
    await peer.send(request({ ...base, method: 'INVITE', branch: 'z9hG4bK-do1', cseq: 1 }), stack.address.port);
    const r183 = await peer.next(isResponse(183, 'INVITE'));
    assert.equal(header(r183, 'Content-Length'), '0', 'no SDP in the 183');
    const ok = await peer.next(isResponse(200, 'INVITE'));
    assert.match(ok, /o=sipflow offer 1 IN IP4/, 'the 200 carries our offer');
    const call = calls[0]!;
    assert.equal(call.remoteSdp, undefined);
    const toTag = /tag=(\w+)/.exec(header(ok, 'To')!)![1]!;
    const acked = nextEvent<[string | undefined]>(call, 'acked');
    const answer = staticSdp(40000, 'answer');
    await peer.send(request({ ...base, toTag, method: 'ACK', branch: 'z9hG4bK-do1a', cseq: 1, body: answer }), stack.address.port);
    const [sdp] = await acked;
    assert.equal(sdp, answer);
    assert.equal(call.state, 'confirmed');
    call.hangup();
  });

  it('an ordinary ACK (the INVITE had the offer) carries no SDP', async () => {
    const calls: InboundCall[] = [];
    stack.onInvite((call) => {
      calls.push(call);
      call.answer(staticSdp(41002));
    });
    const base = { ruri: `sip:d@127.0.0.1:${stack.address.port}`, callId: 'delayed-2', fromTag: 'do2', peerPort: peer.port };
    await peer.send(request({ ...base, method: 'INVITE', branch: 'z9hG4bK-do2', cseq: 1, body: staticSdp() }), stack.address.port);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    const toTag = /tag=(\w+)/.exec(header(ok, 'To')!)![1]!;
    const acked = nextEvent<[string | undefined]>(calls[0]!, 'acked');
    await peer.send(request({ ...base, toTag, method: 'ACK', branch: 'z9hG4bK-do2a', cseq: 1 }), stack.address.port);
    assert.deepEqual(await acked, [undefined]);
    calls[0]!.hangup();
  });
});
