/**
 * The flow runtime with an in-memory SIP stack and media engine: routing, limits, the end of every call (whoever
 * ends it), owned legs, typed errors, and the registry — no network.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { AppManager } from '../../src/server/app-manager.js';
import { CallRegistry } from '../../src/server/call-registry.js';
import { FlowRuntime } from '../../src/server/flow-runtime.js';
import { AdmissionControl } from '../../src/server/admission.js';
import { FakeMedia, FakeSipStack, flushAsync, type FakeInboundCall, type FakeStream } from './fakes.js';

const appsDir = fileURLToPath(new URL('./fixtures/apps', import.meta.url));
const logger = pino({ level: 'silent' });

let stack: FakeSipStack;
let media: FakeMedia;
let registry: CallRegistry;
let apps: AppManager;
let runtime: FlowRuntime;
let admission: AdmissionControl;
/** A main thread with headroom, as admission samples it. */
const IDLE = { elu: 0.1, cpu: 0.1 };

async function setUp(maxCalls?: number): Promise<void> {
  stack = new FakeSipStack();
  media = new FakeMedia();
  registry = new CallRegistry({ logger });
  apps = new AppManager({ appsDir, logger });
  await apps.loadAll(['rt-test']);
  admission = new AdmissionControl(() => media.loads, { windowMs: 1000, sampleMs: 250 });
  runtime = new FlowRuntime({ stack, media, registry, apps, logger, admission, ...(maxCalls ? { maxCalls } : {}) });
}

beforeEach(() => setUp());
afterEach(async () => {
  await apps.close();
  registry.close();
});

/** An inbound call to the answerer flow, waited until its greeting is queued (state WAIT). */
async function waiting(): Promise<{ call: FakeInboundCall; stream: FakeStream; id: string }> {
  const call = stack.invite('rt1');
  await flushAsync();
  const rec = registry.get(call.id)!;
  assert.equal(rec.state, 'WAIT');
  return { call, stream: media.streams.at(-1)!, id: rec.id };
}

function assertIdle(): void {
  assert.equal(
    registry.activeCount,
    0,
    `active: ${registry
      .list()
      .map((r) => `${r.flow}:${r.state}`)
      .join(', ')}`,
  );
  assert.equal(runtime.activeCount, 0);
  assert.equal(media.streamCount, 0, 'media streams closed');
}

test('inbound: 183 with SDP, prompt from the app prompt dir, then answer; BYE ends it and the registry keeps the graph', async () => {
  const { call, stream, id } = await waiting();
  assert.deepEqual(call.actions, ['183+sdp']);
  assert.equal(stream.activated, true, 'RTP may flow once the 183 carried our answer');
  assert.deepEqual(stream.played, ['/prompts/hello.wav']);
  stream.dtmf('1');
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', '200+sdp']);
  call.ack();
  call.bye();
  await flushAsync();
  assertIdle();
  const rec = registry.get(id)!;
  assert.equal(rec.outcome, 'completed');
  assert.equal(rec.endReason, 'bye');
  assert.deepEqual(
    rec.stateGraph.map((s) => (s.kind === 'state' ? s.state : `> ${s.description} >`)),
    ['START', '> got INVITE >', 'GREET', '> greeting queued >', 'WAIT', '> answer >', 'TALK', '> peer hung up >', 'END'],
  );
});

test("media source: the stream is told the signalling peer's IP; latching only with rtpLatch", async () => {
  await waiting();
  assert.deepEqual(media.streamOptions.at(-1), { rtpTimeoutMs: 0, rtpLatch: false, signallingAddress: '127.0.0.1', deferSending: true });
  runtime = new FlowRuntime({ stack: (stack = new FakeSipStack()), media, registry, apps, logger, rtpLatch: true });
  stack.invite('rt1');
  await flushAsync();
  assert.equal(media.streamOptions.at(-1)?.rtpLatch, true);
  assert.equal(media.streamOptions.at(-1)?.signallingAddress, '127.0.0.1');
});

test('DTMF by SIP INFO goes through the stream (deduplication) and reaches the flow', async () => {
  const { call } = await waiting();
  call.info('Signal=2\r\nDuration=160\r\n');
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', 'reject 486']);
  assertIdle();
  const rec = registry.list({ ended: true })[0]!;
  assert.equal(rec.outcome, 'rejected');
  assert.equal(rec.endReason, '486');
});

test('a flow reaching a final state without answering: the runtime rejects with 480', async () => {
  const { call, stream } = await waiting();
  stream.dtmf('6');
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', 'reject 480']);
  assertIdle();
});

test('an error the flow does not handle (missing prompt in WAIT) ends the call with 500', async () => {
  const { call, stream } = await waiting();
  stream.dtmf('3');
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', 'reject 500']);
  assert.equal(registry.list({ ended: true })[0]!.outcome, 'error');
  assertIdle();
});

test('an action that throws (a bug) ends the call with 500 and the runtime keeps serving', async () => {
  const first = await waiting();
  first.stream.dtmf('4');
  await flushAsync();
  assert.deepEqual(first.call.actions, ['183+sdp', 'reject 500']);
  assertIdle();
  const second = await waiting();
  second.stream.dtmf('1');
  await flushAsync();
  assert.deepEqual(second.call.actions, ['183+sdp', '200+sdp']);
  second.call.bye();
  await flushAsync();
  assertIdle();
});

test('routing: no app for the user → 404; bad SDP → 488; no ports → 503', async () => {
  const nobody = stack.invite('zz');
  await flushAsync();
  assert.deepEqual(nobody.actions, ['reject 404']);
  const bad = stack.invite('rt1', 'v=0 bad');
  await flushAsync();
  assert.deepEqual(bad.actions, ['reject 488']);
  media.noPorts = true;
  const noPorts = stack.invite('rt1');
  await flushAsync();
  assert.deepEqual(noPorts.actions, ['reject 503']);
  assertIdle();
});

test('limits: beyond maxCalls and while media lacks headroom over a whole window, new INVITEs get 503 with Retry-After', async () => {
  await apps.close();
  await setUp(1);
  const { call } = await waiting();
  const second = stack.invite('rt2');
  await flushAsync();
  assert.deepEqual(second.actions, ['reject 503']);
  call.cancel();
  await flushAsync();
  assertIdle();
  // One busy sample (a burst) refuses nothing; a whole window of them does; a whole window of headroom ends it.
  media.loads = [{ busyShare: 0.95, latenessP90Ms: 2 }];
  admission.sample(IDLE);
  const burst = stack.invite('rt1');
  await flushAsync();
  assert.notDeepEqual(burst.actions, ['reject 503']);
  burst.cancel();
  await flushAsync();
  for (let i = 0; i < 3; i++) admission.sample(IDLE);
  assert.equal(admission.snapshot.reason, 'media');
  const third = stack.invite('rt3');
  await flushAsync();
  assert.deepEqual(third.actions, ['reject 503']);
  assert.deepEqual(third.rejectHeaders, ['Retry-After: 2']);
  media.loads = [{ busyShare: 0.2, latenessP90Ms: 1 }];
  admission.sample(IDLE);
  assert.equal(admission.snapshot.refusing, true, 'one good sample does not end it');
  for (let i = 0; i < 3; i++) admission.sample(IDLE);
  assert.equal(admission.snapshot.refusing, false);
  // The signalling thread's own work over its share of a core for a whole window refuses too.
  for (let i = 0; i < 4; i++) admission.sample({ elu: 0.97, cpu: 0.9 });
  assert.equal(admission.snapshot.reason, 'signalling');
  const fourth = stack.invite('rt1');
  await flushAsync();
  assert.deepEqual(fourth.actions, ['reject 503']);
});

test('CANCEL before answer: the flow sees sip.hangup cancel, the record says cancelled', async () => {
  const { call, id } = await waiting();
  call.cancel();
  await flushAsync();
  assertIdle();
  const rec = registry.get(id)!;
  assert.equal(rec.outcome, 'cancelled');
  assert.equal(rec.state, 'END');
});

test('dial-out: two owned legs with typed input; the first to answer is bridged, the other cancelled; owner BYE ends all', async () => {
  const { call, stream, id } = await waiting();
  stream.dtmf('5');
  await flushAsync();
  assert.equal(stack.dialled.length, 2);
  const [a, b] = stack.dialled;
  assert.equal(a!.options.to, 'sip:a@127.0.0.1:5080');
  assert.deepEqual(a!.options.from, { user: 'rt' });
  assert.match(a!.options.sdp, /^v=0/);
  const farRecords = registry.list().filter((r) => r.flow === 'far');
  assert.equal(farRecords.length, 2);
  assert.ok(farRecords.every((r) => r.parentId === id && r.direction === 'outbound'));

  b!.ring();
  a!.ring();
  b!.answer();
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', '200+sdp']);
  assert.deepEqual(a!.actions, ['cancel'], 'the other leg is cancelled');
  // hangupLeg: the cancelled leg's flow heard why it ends (sip.hangup 'owner'), so its graph ends in its END state.
  const farA = registry.list({ ended: true }).find((r) => r.flow === 'far' && r.outcome !== 'active')!;
  assert.equal(farA.state, 'END');
  assert.equal(farA.endReason, 'hung up by owner');
  assert.ok(
    farA.stateGraph.some((s) => s.kind === 'transition' && s.event === 'sip.hangup'),
    'the graph records the hangup transition',
  );
  const farB = registry.list().find((r) => r.flow === 'far')!;
  assert.equal(farB.state, 'JOINED');
  assert.equal(media.roomMembers(id).length, 2);

  call.ack();
  call.bye();
  await flushAsync();
  assert.deepEqual(b!.actions, ['bye'], 'the owned leg gets BYE when its owner ends');
  const farBEnded = registry.list({ ended: true }).find((r) => r.id === farB.id)!;
  assert.equal(farBEnded.state, 'END', 'the owned flow took its hangup transition (owner ended)');
  assertIdle();
});

test('early media: a 183 with SDP is applied to the leg stream and reported as ringing with early: true', async () => {
  const { call, stream, id } = await waiting();
  stream.dtmf('5');
  await flushAsync();
  const [a, b] = stack.dialled;
  const farStreams = media.streams.slice(-2) as FakeStream[];
  a!.ring(180);
  b!.ring(183, 'v=0 early answer');
  await flushAsync();
  const steps = registry.get(id)!.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
  assert.deepEqual(steps.slice(-2), ['a far end rings', 'a far end rings with early media']);
  const bStream = farStreams.find((s) => s.remoteAnswers.length > 0);
  assert.ok(bStream, 'the early answer reached a far-end stream');
  assert.deepEqual(bStream.remoteAnswers, ['v=0 early answer']);
  b!.answer();
  await flushAsync();
  assert.deepEqual(bStream.remoteAnswers, ['v=0 early answer', 'v=0 answer'], 'the 2xx answer is applied again');
  call.ack();
  call.bye();
  await flushAsync();
  assertIdle();
});

test('early media: an unusable SDP in a 183 is ignored (ringing, early: false); the 2xx still connects', async () => {
  const { call, stream, id } = await waiting();
  stream.dtmf('5');
  await flushAsync();
  const [a, b] = stack.dialled;
  b!.ring(183, 'v=0 bad early');
  await flushAsync();
  const steps = registry.get(id)!.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
  assert.deepEqual(steps.slice(-1), ['a far end rings']);
  b!.answer();
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', '200+sdp']);
  assert.deepEqual(a!.actions, ['cancel']);
  call.ack();
  call.bye();
  await flushAsync();
  assertIdle();
});

test('hold / resume / sendInfo from a flow: re-INVITEs with our offer, answers applied, refusals as errors', async () => {
  const { call, stream, id } = await waiting();
  stream.dtmf('1');
  await flushAsync();
  call.ack();
  await flushAsync();
  const fake = call as FakeInboundCall & { sent: string[]; reinviteAnswer: { code: number; sdp: string | undefined } };
  stream.dtmf('7');
  await flushAsync();
  assert.deepEqual(fake.sent, ['reinvite v=0 offer sendonly']);
  assert.deepEqual((stream as FakeStream & { remoteAnswers: string[] }).remoteAnswers, ['v=0 reanswer']);
  stream.dtmf('9');
  await flushAsync();
  assert.deepEqual(fake.sent.slice(1), ['info application/dtmf-relay Signal=9\r\nDuration=160\r\n']);
  fake.reinviteAnswer = { code: 488, sdp: undefined };
  stream.dtmf('8');
  await flushAsync();
  await flushAsync();
  assert.deepEqual(fake.sent.slice(2), ['reinvite v=0 offer sendrecv']);
  const steps = registry.get(id)!.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
  assert.deepEqual(steps.slice(-5), ['hold', 'held', 'info', 'resume', 'in-dialog request failed']);
  assert.equal(registry.get(id)!.state, 'TALK', 'a refused re-INVITE leaves the call up');
  call.bye();
  await flushAsync();
  assertIdle();
});

test('dial-out: every leg failing → the owner learns it at once (leg.failed/leg.ended) and answers 480', async () => {
  const { call, stream } = await waiting();
  stream.dtmf('5');
  await flushAsync();
  const [a, b] = stack.dialled;
  a!.fail(486);
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp']);
  b!.fail(404, 'Not Found');
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', 'reject 480']);
  assertIdle();
  const far = registry.list({ ended: true }).filter((r) => r.flow === 'far');
  assert.deepEqual(far.map((r) => `${r.outcome} ${r.endReason}`).sort(), ['failed 404', 'failed 486']);
});

test("dial-out: a leg's own flow hanging it up while it rings sends CANCEL, and the record says cancelled", async () => {
  const { call, stream } = await waiting();
  stream.dtmf('5');
  await flushAsync();
  const [a, b] = stack.dialled;
  a!.ring(182);
  await flushAsync();
  assert.deepEqual(a!.actions, ['cancel']);
  const farA = registry.list({ ended: true }).find((r) => r.flow === 'far' && r.outcome !== 'active')!;
  assert.deepEqual([farA.outcome, farA.endReason, farA.state], ['cancelled', 'hangup', 'END']);
  b!.fail(486);
  await flushAsync();
  assert.deepEqual(call.actions, ['183+sdp', 'reject 480']);
  assertIdle();
});

test('the caller cancelling while legs ring cancels every owned leg', async () => {
  const { call, stream } = await waiting();
  stream.dtmf('5');
  await flushAsync();
  for (const out of stack.dialled) out.ring();
  call.cancel();
  await flushAsync();
  assert.deepEqual(
    stack.dialled.map((c) => c.actions),
    [['cancel'], ['cancel']],
  );
  assertIdle();
});

test('shutdown: new INVITEs get 503; answered calls get BYE, unanswered 503, owned legs CANCEL', async () => {
  const one = await waiting();
  one.stream.dtmf('1');
  const two = await waiting();
  two.stream.dtmf('5');
  await flushAsync();
  one.call.ack();
  await runtime.shutdown(1000);
  assert.deepEqual(one.call.actions, ['183+sdp', '200+sdp', 'bye']);
  assert.deepEqual(two.call.actions, ['183+sdp', 'reject 503']);
  assert.deepEqual(
    stack.dialled.map((c) => c.actions),
    [['cancel'], ['cancel']],
  );
  const late = stack.invite('rt9');
  await flushAsync();
  assert.deepEqual(late.actions, ['reject 503']);
  assertIdle();
});

test('delayed offer: an INVITE without SDP gets 183 without SDP and our offer in the 200; the ACK answer is applied', async () => {
  const call = stack.invite('rt1', '');
  await flushAsync();
  const stream = media.streams.at(-1)!;
  assert.deepEqual(call.actions, ['183'], 'no SDP in a provisional without an offer (no 100rel)');
  stream.dtmf('1');
  await flushAsync();
  assert.deepEqual(call.actions, ['183', '200+sdp'], 'the 200 carries our offer');
  assert.deepEqual(stream.remoteAnswers, []);
  assert.equal(stream.activated, false, 'no RTP before the answer');
  call.ack('v=0 answer in ACK');
  await flushAsync();
  assert.deepEqual(stream.remoteAnswers, ['v=0 answer in ACK']);
  assert.equal(stream.activated, true);
  const rec = registry.get(call.id)!;
  assert.equal(rec.state, 'TALK');
  call.bye();
  await flushAsync();
  assertIdle();
  assert.equal(registry.get(call.id)!.outcome, 'completed');
});

test('delayed offer: an ACK without the answer (or with one we cannot use) ends the call with BYE', async () => {
  for (const body of [undefined, 'v=0 bad']) {
    const call = stack.invite('rt1', '');
    await flushAsync();
    media.streams.at(-1)!.dtmf('1');
    await flushAsync();
    call.ack(body);
    await flushAsync();
    assert.deepEqual(call.actions, ['183', '200+sdp', 'bye'], String(body));
    const rec = registry.get(call.id)!;
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.endReason, body ? 'NO_COMMON_CODEC' : 'BAD_SDP');
    assertIdle();
  }
});
