/**
 * The sendDtmf building block: testFlow records it like any command; the runtime (fake SIP and media) runs it on
 * the leg's stream, refuses it before the media is up (INVALID_STATE) and turns a bad key into the flow's `error`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { testFlow } from '../../src/flow/index.js';
import { AppManager } from '../../src/server/app-manager.js';
import { CallRegistry } from '../../src/server/call-registry.js';
import { FlowRuntime } from '../../src/server/flow-runtime.js';
import { FakeMedia, FakeSipStack, flushAsync, type FakeStream } from './fakes.js';
import { sender } from './fixtures/apps/dtmf-out-test/src/flows.js';

const appsDir = fileURLToPath(new URL('./fixtures/apps', import.meta.url));
const logger = pino({ level: 'silent' });

test('testFlow records sendDtmf commands with their keys (computed or fixed) and options', () => {
  const t = testFlow(sender, { input: {} });
  assert.deepEqual(t.take(), [{ type: 'sendDtmf', keys: '1' }]);
  t.send({ type: 'error', code: 'INVALID_STATE', message: 'too early', effect: 'sendDtmf' });
  assert.deepEqual(t.take(), [{ type: 'answer' }]);
  t.send({ type: 'dtmf', key: '1', source: 'info' });
  t.send({ type: 'dtmf', key: '2', source: 'info' });
  assert.deepEqual(t.take(), [
    { type: 'sendDtmf', keys: '123#' },
    { type: 'sendDtmf', keys: '9', options: { durationMs: 200, gapMs: 100 } },
  ]);
  assert.equal(t.state, 'TALK');
  t.stop();
});

test('runtime: sendDtmf before the media is up → INVALID_STATE; then on the stream; a bad key → error, nothing sent, call up', async () => {
  const stack = new FakeSipStack();
  const media = new FakeMedia();
  const registry = new CallRegistry({ logger });
  const apps = new AppManager({ appsDir, logger });
  await apps.loadAll(['dtmf-out-test']);
  const runtime = new FlowRuntime({ stack, media, registry, apps, logger });
  try {
    const call = stack.invite('dt1');
    await flushAsync();
    const id = registry.get(call.id)!.id;
    const stream = media.streams.at(-1)! as FakeStream;
    const steps = () => registry.get(id)!.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
    assert.deepEqual(steps(), ['got INVITE', 'too early'], 'the INVITE-time sendDtmf was refused, not sent');
    assert.deepEqual(stream.dtmfSent, []);
    assert.deepEqual(call.actions, ['200+sdp']);
    call.ack();
    await flushAsync();

    stream.dtmf('1');
    stream.dtmf('2');
    await flushAsync();
    assert.deepEqual(stream.dtmfSent, [{ keys: '123#' }, { keys: '9', options: { durationMs: 200, gapMs: 100 } }]);

    stream.dtmf('3');
    await flushAsync();
    assert.deepEqual(steps().slice(-1), ['bad key']);
    assert.equal(stream.dtmfSent.length, 2, 'nothing of the bad call queued');
    assert.equal(registry.get(id)!.state, 'TALK', 'a handled bad key leaves the call up');
    assert.equal(runtime.activeCount, 1);

    call.bye();
    await flushAsync();
    assert.equal(runtime.activeCount, 0);
    assert.equal(media.streamCount, 0);
  } finally {
    await apps.close();
    registry.close();
  }
});
