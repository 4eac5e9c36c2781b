/**
 * The SIP-event adapter alone: a fake dialog's events become LegSipEvents (`listenToSip`), and each handler moves the
 * leg's session and media and tells the flow and the owner, through a recording leg context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallEndReason, ReinviteRequest } from '../../../src/sip/sip-types.js';
import type { DtmfEvent } from '../../../src/media/media-types.js';
import { handleSipEvent, hangupReasonOf, listenToSip, type LegSipEvent } from '../../../src/server/leg/leg-sip-events.js';
import { FakeInboundCall, FakeMedia, FakeOutboundCall, FakeStream, flushAsync } from '../fakes.js';
import { FakeLegContext } from './fake-leg-context.js';

function withStream(leg: FakeLegContext): FakeStream {
  const stream = new FakeStream(new FakeMedia());
  leg.session.stream = stream;
  return stream;
}

/** An inbound dialog whose peer also sends re-INVITEs. */
class ReinvitingCall extends FakeInboundCall {
  peerReinvite(request: ReinviteRequest): void {
    this.emit('reinvite', request);
  }
}

/** A re-INVITE to answer, recording the answer. */
function reinviteRequest(sdp: string | undefined): ReinviteRequest & { answers: string[] } {
  const answers: string[] = [];
  return { sdp, answers, accept: (answer) => answers.push(`200 ${answer}`), reject: (code) => answers.push(String(code)) };
}

test('listenToSip: an inbound dialog’s ACK, INFO, re-INVITE and end arrive as LegSipEvents, in order', () => {
  const call = new ReinvitingCall('35');
  const heard: LegSipEvent[] = [];
  listenToSip(call, (e) => heard.push(e));
  const req = reinviteRequest('v=0 new');
  call.ack('v=0 late answer');
  call.info('Signal=5');
  call.peerReinvite(req);
  call.bye();
  assert.deepEqual(heard, [
    { type: 'acked', sdp: 'v=0 late answer' },
    { type: 'info', request: { contentType: 'application/dtmf-relay', body: 'Signal=5' } },
    { type: 'reinvite', request: req },
    { type: 'ended', reason: 'bye' },
  ]);
});

test('listenToSip: an outbound dialog’s provisional, answer, refusal and end arrive as LegSipEvents', () => {
  const call = new FakeOutboundCall({ to: 'sip:bob@127.0.0.1', from: { user: 'sipflow' }, sdp: 'v=0 offer' });
  const heard: LegSipEvent[] = [];
  listenToSip(call, (e) => heard.push(e));
  call.ring(183, 'v=0 early');
  call.answer();
  call.fail(486);
  assert.deepEqual(heard, [
    { type: 'provisional', code: 183, sdp: 'v=0 early' },
    { type: 'answered', sdp: 'v=0 answer' },
    { type: 'failed', code: 486, reason: 'Busy Here' },
    { type: 'ended', reason: 'failed' },
  ]);
});

test('acked: the flow hears call.answered after the transition', () => {
  const leg = new FakeLegContext();
  handleSipEvent(leg, { type: 'acked', sdp: undefined });
  assert.deepEqual(leg.flowTypes, ['~call.answered']);
});

test('acked after a delayed offer: its SDP is applied to the stream, then media starts and the call is answered', async () => {
  const leg = new FakeLegContext();
  const stream = withStream(leg);
  leg.session.delayedOffer = true;
  handleSipEvent(leg, { type: 'acked', sdp: 'v=0 ack answer' });
  assert.deepEqual(stream.remoteAnswers, [], 'a microtask later');
  await flushAsync();
  assert.deepEqual(stream.remoteAnswers, ['v=0 ack answer']);
  assert.equal(leg.startMediaCalls, 1);
  assert.deepEqual(leg.flowTypes, ['~call.answered']);
});

test('acked after a delayed offer without an answer, or with one we cannot use: the leg ends (BAD_SDP / NO_COMMON_CODEC)', async () => {
  for (const [sdp, code] of [
    [undefined, 'BAD_SDP'],
    ['v=0 bad', 'NO_COMMON_CODEC'],
  ] as const) {
    const leg = new FakeLegContext();
    withStream(leg);
    leg.session.delayedOffer = true;
    handleSipEvent(leg, { type: 'acked', sdp });
    await flushAsync();
    assert.deepEqual(leg.endings, [{ kind: 'bad-sdp', code }]);
    assert.equal(leg.startMediaCalls, 0);
    assert.deepEqual(leg.flowTypes, []);
  }
});

test('provisional: early media SDP applied to the stream; the flow hears call.ringing and the owner leg.ringing', () => {
  const leg = new FakeLegContext('outbound');
  const stream = withStream(leg);
  handleSipEvent(leg, { type: 'provisional', code: 180, sdp: undefined });
  handleSipEvent(leg, { type: 'provisional', code: 183, sdp: 'v=0 early' });
  handleSipEvent(leg, { type: 'provisional', code: 183, sdp: 'v=0 bad' });
  assert.deepEqual(stream.remoteAnswers, ['v=0 early']);
  assert.deepEqual(
    leg.flow.map((f) => f.event),
    [
      { type: 'call.ringing', code: 180, early: false },
      { type: 'call.ringing', code: 183, early: true },
      { type: 'call.ringing', code: 183, early: false },
    ],
  );
  assert.deepEqual(leg.owner, [
    { type: 'leg.ringing', leg: leg.ref, code: 180, early: false },
    { type: 'leg.ringing', leg: leg.ref, code: 183, early: true },
    { type: 'leg.ringing', leg: leg.ref, code: 183, early: false },
  ]);
});

test('answered: the answer applied, the leg answered with media; the flow hears call.started then call.answered, the owner leg.answered', async () => {
  const leg = new FakeLegContext('outbound');
  const stream = withStream(leg);
  handleSipEvent(leg, { type: 'answered', sdp: 'v=0 answer' });
  assert.equal(leg.session.answered, false, 'a microtask later');
  await flushAsync();
  assert.deepEqual(stream.remoteAnswers, ['v=0 answer']);
  assert.equal(leg.session.answered, true);
  assert.equal(leg.session.mediaStarted, true);
  assert.deepEqual(leg.flowTypes, ['call.started', 'call.answered']);
  assert.deepEqual(leg.owner, [{ type: 'leg.answered', leg: leg.ref }]);
});

test('answered with SDP we cannot use: the leg ends as bad-sdp, nobody hears of an answer; after the leg ended: nothing', async () => {
  const leg = new FakeLegContext('outbound');
  withStream(leg);
  handleSipEvent(leg, { type: 'answered', sdp: 'v=0 bad' });
  await flushAsync();
  assert.deepEqual(leg.endings, [{ kind: 'bad-sdp', code: 'NO_COMMON_CODEC' }]);
  assert.equal(leg.session.answered, false);
  assert.deepEqual(leg.flowTypes, []);
  assert.deepEqual(leg.owner, []);
  const gone = new FakeLegContext('outbound');
  const stream = withStream(gone);
  gone.ended = true;
  handleSipEvent(gone, { type: 'answered', sdp: 'v=0 answer' });
  await flushAsync();
  assert.deepEqual(stream.remoteAnswers, []);
  assert.deepEqual(gone.flowTypes, []);
});

test('failed: remembered as the last reply; the flow hears call.failed, the owner leg.failed', () => {
  const leg = new FakeLegContext('outbound');
  handleSipEvent(leg, { type: 'failed', code: 486, reason: 'Busy Here' });
  assert.equal(leg.session.lastReply, 486);
  assert.deepEqual(leg.flow, [{ when: 'later', event: { type: 'call.failed', code: 486, reason: 'Busy Here' } }]);
  assert.deepEqual(leg.owner, [{ type: 'leg.failed', leg: leg.ref, code: 486, reason: 'Busy Here' }]);
});

test('info: a DTMF INFO goes through the stream (which deduplicates), straight to the flow without one; other INFO is ignored', () => {
  const leg = new FakeLegContext();
  const stream = withStream(leg);
  const heard: DtmfEvent[] = [];
  stream.on('dtmf', (e) => heard.push(e));
  handleSipEvent(leg, { type: 'info', request: { contentType: 'application/dtmf-relay', body: 'Signal=7\r\nDuration=160' } });
  handleSipEvent(leg, { type: 'info', request: { contentType: 'application/json', body: '{}' } });
  assert.deepEqual(heard, [{ key: '7', source: 'info' }]);
  assert.deepEqual(leg.flowTypes, []);
  const bare = new FakeLegContext();
  handleSipEvent(bare, { type: 'info', request: { contentType: 'application/dtmf', body: '#' } });
  assert.deepEqual(bare.flow, [{ when: 'now', event: { type: 'dtmf', key: '#', source: 'info' } }]);
});

test('reinvite: answered from the stream; offerless → our SDP again; no stream or an unusable offer → 488', () => {
  const leg = new FakeLegContext();
  withStream(leg);
  leg.session.localSdp = 'v=0 ours';
  const withOffer = reinviteRequest('v=0 new offer');
  const offerless = reinviteRequest(undefined);
  const bad = reinviteRequest('v=0 bad');
  for (const request of [withOffer, offerless, bad]) handleSipEvent(leg, { type: 'reinvite', request });
  assert.deepEqual(withOffer.answers, ['200 v=0 answer']);
  assert.deepEqual(offerless.answers, ['200 v=0 ours']);
  assert.deepEqual(bad.answers, ['488']);
  const noStream = reinviteRequest('v=0 new offer');
  handleSipEvent(new FakeLegContext(), { type: 'reinvite', request: noStream });
  assert.deepEqual(noStream.answers, ['488']);
});

test('ended by the peer: sipDone, the flow hears sip.hangup with the reason, then the leg ends — a microtask later', async () => {
  const leg = new FakeLegContext();
  handleSipEvent(leg, { type: 'ended', reason: 'cancel' });
  assert.equal(leg.sipEndedCalls, 0, 'after the emit');
  await Promise.resolve();
  assert.equal(leg.sipEndedCalls, 1);
  assert.deepEqual(leg.flow, [{ when: 'now', event: { type: 'sip.hangup', reason: 'cancel' } }]);
  assert.deepEqual(leg.endings, [{ kind: 'sip-ended', reason: 'cancel' }]);
});

test('ended by us: no sip.hangup; once the leg has finished, only sipDone', async () => {
  const leg = new FakeLegContext();
  handleSipEvent(leg, { type: 'ended', reason: 'local' });
  await Promise.resolve();
  assert.deepEqual(leg.flowTypes, []);
  assert.deepEqual(leg.endings, [{ kind: 'sip-ended', reason: 'local' }]);
  const finished = new FakeLegContext();
  finished.ended = true;
  handleSipEvent(finished, { type: 'ended', reason: 'bye' });
  await Promise.resolve();
  assert.equal(finished.sipEndedCalls, 1);
  assert.deepEqual(finished.flowTypes, []);
  assert.deepEqual(finished.endings, []);
});

test('hangupReasonOf: how each end of the dialog reads to the flow', () => {
  const table: Array<[CallEndReason, string | undefined]> = [
    ['bye', 'bye'],
    ['connection-lost', 'bye'],
    ['cancel', 'cancel'],
    ['ack-timeout', 'timeout'],
    ['local', undefined],
    ['failed', undefined],
    ['shutdown', undefined],
  ];
  for (const [reason, hangup] of table) assert.equal(hangupReasonOf(reason), hangup, reason);
});

test('a fake inbound dialog wired through the adapter: the caller’s BYE reaches the flow and ends the leg', async () => {
  const leg = new FakeLegContext();
  const call = new FakeInboundCall('35');
  leg.session.sip = call;
  withStream(leg);
  listenToSip(call, (e) => handleSipEvent(leg, e));
  call.answer('v=0 answer');
  call.ack();
  call.bye();
  await flushAsync();
  assert.deepEqual(leg.flowTypes, ['~call.answered', 'sip.hangup']);
  assert.deepEqual(leg.endings, [{ kind: 'sip-ended', reason: 'bye' }]);
  assert.equal(leg.session.sipEnded, true);
});
