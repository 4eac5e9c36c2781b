/**
 * The command handlers alone: each FlowCommand against a fake dialog and a fake stream, through a recording leg
 * context — what goes out on SIP and media, what the flow hears back, and which commands are refused when.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMachine } from 'xstate';
import { executeCommand } from '../../../src/server/leg/leg-commands.js';
import { mediaErrors } from '../../../src/media/errors.js';
import type { DialLeg } from '../../../src/flow/leg-ref.js';
import { FakeInboundCall, FakeMedia, FakeOutboundCall, FakeStream, flushAsync } from '../fakes.js';
import { FakeLegContext } from './fake-leg-context.js';

/**
 * An inbound leg with its dialog and stream attached, as the runtime leaves it before the flow's first command.
 * `offerless`: the INVITE had no SDP (delayed offer), our answer-to-be is an offer.
 */
function inboundLeg(offerless = false): { leg: FakeLegContext; call: FakeInboundCall; stream: FakeStream } {
  const leg = new FakeLegContext('inbound');
  const call = new FakeInboundCall('35');
  const stream = new FakeStream(new FakeMedia());
  Object.assign(leg.session, { sip: call, stream, localSdp: offerless ? 'v=0 offer' : 'v=0 answer', delayedOffer: offerless });
  return { leg, call, stream };
}

function outboundLeg(): { leg: FakeLegContext; call: FakeOutboundCall; stream: FakeStream } {
  const leg = new FakeLegContext('outbound');
  const call = new FakeOutboundCall({ to: 'sip:bob@127.0.0.1', from: { user: 'sipflow' }, sdp: 'v=0 offer' });
  const stream = new FakeStream(new FakeMedia());
  Object.assign(leg.session, { sip: call, stream });
  return { leg, call, stream };
}

test('reply: a final non-2xx, remembered as the last reply; a 2xx or a reply after the answer is refused as INVALID_STATE', () => {
  const { leg, call } = inboundLeg();
  executeCommand(leg, { type: 'reply', code: 200 });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE reply']);
  assert.deepEqual(call.actions, []);
  executeCommand(leg, { type: 'reply', code: 486, reason: 'Busy Here' });
  assert.deepEqual(call.actions, ['reject 486']);
  assert.equal(leg.session.lastReply, 486);
  executeCommand(leg, { type: 'reply', code: 603 });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE reply', '~error INVALID_STATE reply'], 'the call has ended');
  assert.deepEqual(call.actions, ['reject 486']);
});

test('reply, progress and answer on an outbound leg: INVALID_STATE, nothing sent', () => {
  const { leg, call } = outboundLeg();
  executeCommand(leg, { type: 'reply', code: 486 });
  executeCommand(leg, { type: 'progress', code: 180, earlyMedia: false });
  executeCommand(leg, { type: 'answer' });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE reply', '~error INVALID_STATE progress', '~error INVALID_STATE answer']);
  assert.deepEqual(call.actions, []);
});

test('progress with early media: 183 with our answer, media started; without: 180 alone; after the answer: nothing', () => {
  const { leg, call } = inboundLeg();
  executeCommand(leg, { type: 'progress', code: 180, earlyMedia: false });
  assert.equal(leg.startMediaCalls, 0);
  executeCommand(leg, { type: 'progress', code: 183, earlyMedia: true });
  assert.deepEqual(call.actions, ['180', '183+sdp']);
  assert.equal(leg.startMediaCalls, 1);
  executeCommand(leg, { type: 'answer' });
  executeCommand(leg, { type: 'progress', code: 183, earlyMedia: true });
  assert.deepEqual(call.actions, ['180', '183+sdp', '200+sdp']);
  assert.deepEqual(leg.flowTypes, []);
});

test('progress on an offerless INVITE: no SDP in the 183 (no 100rel), media waits for the ACK', () => {
  const { leg, call } = inboundLeg(true);
  executeCommand(leg, { type: 'progress', code: 183, earlyMedia: true });
  assert.deepEqual(call.actions, ['183']);
  assert.equal(leg.startMediaCalls, 0);
});

test('answer: 200 with our SDP, the leg answered and media started; twice is once; after the end INVALID_STATE', () => {
  const { leg, call } = inboundLeg();
  executeCommand(leg, { type: 'answer' });
  executeCommand(leg, { type: 'answer' });
  assert.deepEqual(call.actions, ['200+sdp']);
  assert.equal(leg.session.answered, true);
  assert.equal(leg.startMediaCalls, 1);
  call.state = 'ended';
  executeCommand(leg, { type: 'answer' });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE answer']);
});

test('answer on an offerless INVITE: our 200 carries the offer; media starts only once the ACK brings the answer', () => {
  const { leg, call } = inboundLeg(true);
  executeCommand(leg, { type: 'answer' });
  assert.deepEqual(call.actions, ['200+sdp']);
  assert.equal(leg.session.answered, true);
  assert.equal(leg.startMediaCalls, 0);
});

test("play: a relative prompt resolves in the app's prompt folder, an absolute one is kept; queued → prompt.queued", async () => {
  const { leg, stream } = inboundLeg();
  executeCommand(leg, { type: 'play', prompt: 'hello.wav' });
  executeCommand(leg, { type: 'play', prompt: '/elsewhere/bye.wav' });
  await flushAsync();
  assert.deepEqual(stream.played, ['/prompts/hello.wav', '/elsewhere/bye.wav']);
  assert.deepEqual(leg.flow, [
    { when: 'later', event: { type: 'prompt.queued', prompt: 'hello.wav' } },
    { when: 'later', event: { type: 'prompt.queued', prompt: '/elsewhere/bye.wav' } },
  ]);
});

test('play: an unreadable prompt comes back as error PROMPT_UNREADABLE; without a stream INVALID_STATE at once', async () => {
  const { leg } = inboundLeg();
  executeCommand(leg, { type: 'play', prompt: 'missing.wav' });
  assert.deepEqual(leg.flowTypes, [], 'the failure is reported when the stream refuses, not synchronously');
  await flushAsync();
  assert.deepEqual(leg.flowTypes, ['~error PROMPT_UNREADABLE play']);
  const bare = new FakeLegContext('outbound');
  executeCommand(bare, { type: 'play', prompt: 'hello.wav' });
  assert.deepEqual(bare.flowTypes, ['~error INVALID_STATE play']);
});

test('flush, join and leave act on the stream; flush and leave without one do nothing, join is refused', () => {
  const { leg, stream } = inboundLeg();
  stream.playing = true;
  executeCommand(leg, { type: 'flush' });
  assert.equal(stream.playing, false);
  executeCommand(leg, { type: 'join', room: 'r1' });
  assert.equal(stream.room, 'r1');
  executeCommand(leg, { type: 'leave' });
  assert.equal(stream.room, undefined);
  const bare = new FakeLegContext('outbound');
  executeCommand(bare, { type: 'flush' });
  executeCommand(bare, { type: 'leave' });
  executeCommand(bare, { type: 'join', room: 'r1' });
  assert.deepEqual(bare.flowTypes, ['~error INVALID_STATE join']);
});

test('hangup before the answer: the reply code (default 480) becomes the last reply; after the answer: BYE', () => {
  const ringing = inboundLeg();
  executeCommand(ringing.leg, { type: 'hangup' });
  assert.deepEqual(ringing.call.actions, ['reject 480']);
  assert.equal(ringing.leg.session.lastReply, 480);
  const busy = inboundLeg();
  executeCommand(busy.leg, { type: 'hangup', code: 486 });
  assert.deepEqual(busy.call.actions, ['reject 486']);
  assert.equal(busy.leg.session.lastReply, 486);
  const talking = inboundLeg();
  executeCommand(talking.leg, { type: 'answer' });
  talking.call.ack();
  executeCommand(talking.leg, { type: 'hangup', code: 486 });
  assert.deepEqual(talking.call.actions, ['200+sdp', 'bye']);
  assert.equal(talking.leg.session.lastReply, undefined);
});

test('hangup of an outbound leg: CANCEL while it rings; before it is placed, the leg ends after the transition', async () => {
  const { leg, call } = outboundLeg();
  executeCommand(leg, { type: 'hangup', code: 486 });
  assert.deepEqual(call.actions, ['cancel']);
  const unplaced = new FakeLegContext('outbound');
  executeCommand(unplaced, { type: 'hangup' });
  assert.deepEqual(unplaced.endings, [], 'not inside the transition');
  await Promise.resolve();
  assert.deepEqual(unplaced.endings, [{ kind: 'hangup-unplaced' }]);
});

test('dial, send and hangupLeg go to the leg (the runtime places, routes and ends legs)', () => {
  const leg = new FakeLegContext();
  const callee: DialLeg<never> = {
    id: 'leg-2',
    flow: 'callee',
    dial: { to: 'sip:bob@127.0.0.1', logic: createMachine({ id: 'callee' }), input: {} },
  };
  executeCommand(leg, { type: 'dial', leg: callee });
  executeCommand(leg, { type: 'send', to: { id: 'leg-2', flow: 'callee' }, event: { type: 'hello' } });
  executeCommand(leg, { type: 'hangupLeg', leg: { id: 'leg-2', flow: 'callee' } });
  assert.deepEqual(leg.dialled, [{ type: 'dial', leg: callee }]);
  assert.deepEqual(leg.posted, [{ to: { id: 'leg-2', flow: 'callee' }, event: { type: 'hello' } }]);
  assert.deepEqual(leg.hungUp, [{ id: 'leg-2', flow: 'callee' }]);
  assert.deepEqual(leg.flowTypes, []);
});

test('hold and resume: a re-INVITE with our sendonly / sendrecv offer, its answer applied, then call.held / call.resumed', async () => {
  const { leg, call, stream } = outboundLeg();
  call.answer();
  executeCommand(leg, { type: 'hold' });
  await flushAsync();
  executeCommand(leg, { type: 'resume' });
  await flushAsync();
  assert.deepEqual(call.sent, ['reinvite v=0 offer sendonly', 'reinvite v=0 offer sendrecv']);
  assert.deepEqual(stream.remoteAnswers, ['v=0 reanswer', 'v=0 reanswer']);
  assert.deepEqual(leg.flowTypes, ['~call.held', '~call.resumed']);
});

test('hold: refused before the dialog is confirmed; a non-2xx or a 2xx without SDP comes back as error', async () => {
  const { leg, call, stream } = outboundLeg();
  executeCommand(leg, { type: 'hold' });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE hold']);
  assert.deepEqual(call.sent, []);
  call.answer();
  call.reinviteAnswer = { code: 491, sdp: undefined };
  executeCommand(leg, { type: 'hold' });
  await flushAsync();
  call.reinviteAnswer = { code: 200, sdp: undefined };
  executeCommand(leg, { type: 'resume' });
  await flushAsync();
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE hold', '~error EFFECT_FAILED hold', '~error BAD_SDP resume']);
  assert.deepEqual(stream.remoteAnswers, []);
});

test('hold: an answer arriving after the leg ended is dropped', async () => {
  const { leg, call, stream } = outboundLeg();
  call.answer();
  executeCommand(leg, { type: 'hold' });
  leg.ended = true;
  await flushAsync();
  assert.deepEqual(stream.remoteAnswers, []);
  assert.deepEqual(leg.flowTypes, []);
});

test('sendDtmf: refused until our SDP has gone out; then on the stream; a bad key is an error and nothing is sent', () => {
  const { leg, stream } = inboundLeg();
  executeCommand(leg, { type: 'sendDtmf', keys: '12' });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE sendDtmf']);
  leg.session.mediaStarted = true;
  executeCommand(leg, { type: 'sendDtmf', keys: '12#', options: { durationMs: 100 } });
  executeCommand(leg, { type: 'sendDtmf', keys: '1x' });
  assert.deepEqual(stream.dtmfSent, [{ keys: '12#', options: { durationMs: 100 } }]);
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE sendDtmf', '~error BAD_DTMF_KEY sendDtmf']);
});

test('sendDtmf: keys lost to a closing stream are not reported; another failure later is', async () => {
  const { leg, stream } = inboundLeg();
  leg.session.mediaStarted = true;
  stream.sendDtmf = () => Promise.reject(mediaErrors.streamClosed(stream.id));
  executeCommand(leg, { type: 'sendDtmf', keys: '1' });
  await flushAsync();
  assert.deepEqual(leg.flowTypes, []);
  stream.sendDtmf = () => Promise.reject(mediaErrors.workerFailed(0, 'gone'));
  executeCommand(leg, { type: 'sendDtmf', keys: '1' });
  await flushAsync();
  assert.deepEqual(leg.flowTypes, ['~error INTERNAL sendDtmf']);
});

test('sendInfo: an INFO on the confirmed dialog; a final status >= 300 comes back as EFFECT_FAILED', async () => {
  const { leg, call } = inboundLeg();
  executeCommand(leg, { type: 'sendInfo', contentType: 'application/dtmf-relay', body: 'Signal=1' });
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE sendInfo']);
  executeCommand(leg, { type: 'answer' });
  call.ack();
  executeCommand(leg, { type: 'sendInfo', contentType: 'application/dtmf-relay', body: 'Signal=1' });
  call.sendInfo = async () => 415;
  executeCommand(leg, { type: 'sendInfo', contentType: 'text/plain', body: 'x' });
  await flushAsync();
  assert.deepEqual(call.sent, ['info application/dtmf-relay Signal=1']);
  assert.deepEqual(leg.flowTypes, ['~error INVALID_STATE sendInfo', '~error EFFECT_FAILED sendInfo']);
});
