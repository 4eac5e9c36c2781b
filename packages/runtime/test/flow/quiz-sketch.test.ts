/** The quizconnect sketch driven with no network: events in, commands and the state graph out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testFlow } from '../../src/flow/index.js';
import { callerFlow } from './fixtures/quiz-caller.js';
import { calleeFlow } from './fixtures/quiz-callee.js';
import type { CalleeRow } from './fixtures/quiz-messages.js';

const config = { outbound_domain: '127.0.0.1:5080', ring_timeout: 60 };
const rows: CalleeRow[] = [
  { callee: 'john', pin: '12345' },
  { callee: 'anna', pin: '54321' },
];
const resources = (found: CalleeRow[] | Error) => ({
  lookup: async () => {
    if (found instanceof Error) throw found;
    return found;
  },
});

test('caller: 183 + prompt, lookup, one dial per row with the PIN in typed input, then connects the winner', async () => {
  const t = testFlow(callerFlow, { input: {}, config, resources: resources(rows) });
  assert.deepEqual(t.take(), [
    { type: 'progress', code: 183, earlyMedia: true },
    { type: 'play', prompt: 'welcome_caller.wav' },
  ]);
  t.send({ type: 'prompt.queued', prompt: 'welcome_caller.wav' });
  await t.waitForState('WAIT_CALLEE');
  const dialled = t.dialled;
  assert.equal(dialled.length, 2);
  assert.equal(dialled[0]!.dial.to, 'sip:john@127.0.0.1:5080');
  assert.deepEqual(dialled[0]!.dial.from, { user: 'quizconnect' });
  assert.equal(dialled[1]!.dial.input.pin, '54321');
  assert.deepEqual(dialled[1]!.dial.input.caller, t.self);

  const anna = dialled[1]!;
  t.take();
  t.send({ type: 'callee.matched', leg: anna });
  assert.equal(t.state, 'CONNECTED');
  const cmds = t.take();
  assert.deepEqual(cmds, [
    { type: 'hangupLeg', leg: dialled[0] },
    { type: 'answer' },
    { type: 'join', room: t.self.id },
    { type: 'send', to: anna, event: { type: 'caller.connect', room: t.self.id } },
  ]);
  t.send({ type: 'leg.ended', leg: anna, reason: 'bye' });
  assert.equal(t.state, 'END');
  assert.ok(t.done);
  assert.deepEqual(t.path, [
    'START',
    '> got INVITE in caller leg >',
    'RUN_INVITE',
    '> prompt playing >',
    'LOOKUP',
    '> we have results >',
    'WAIT_CALLEE',
    '> callee got it >',
    'CONNECTED',
    '> BYE in other leg >',
    'END',
  ]);
});

test('caller: no rows → 404; lookup error → 500 (the exception transition)', async () => {
  const none = testFlow(callerFlow, { input: {}, config, resources: resources([]) });
  none.send({ type: 'prompt.queued', prompt: 'welcome_caller.wav' });
  await none.waitForState('END');
  assert.deepEqual(none.take().at(-1), { type: 'reply', code: 404 });
  assert.equal(none.dialled.length, 0);

  const broken = testFlow(callerFlow, { input: {}, config, resources: resources(new Error('ECONNREFUSED')) });
  broken.send({ type: 'prompt.queued', prompt: 'welcome_caller.wav' });
  await broken.waitForState('END');
  assert.deepEqual(broken.take().at(-1), { type: 'reply', code: 500 });
  assert.ok(broken.path.includes('> DB error >'));
});

test('caller: a missing prompt reaches the flow as a typed error → 500, no leg dialled', () => {
  const t = testFlow(callerFlow, {
    input: {},
    config,
    resources: resources(rows),
    respond: (cmd) =>
      cmd.type === 'play' ? { type: 'error', code: 'PROMPT_UNREADABLE', message: `cannot read ${cmd.prompt}`, effect: 'play' } : undefined,
  });
  assert.equal(t.state, 'END');
  assert.deepEqual(t.commands.at(-1), { type: 'reply', code: 500 });
  assert.equal(t.dialled.length, 0);
});

test('caller: every leg ends without a winner → 480 at once', async () => {
  const t = testFlow(callerFlow, { input: {}, config, resources: resources(rows) });
  t.send({ type: 'prompt.queued', prompt: 'welcome_caller.wav' });
  await t.waitForState('WAIT_CALLEE');
  const [john, anna] = t.dialled;
  t.send({ type: 'leg.failed', leg: john!, code: 486, reason: 'Busy Here' });
  t.send({ type: 'leg.ended', leg: john!, reason: 'failed' });
  assert.equal(t.state, 'WAIT_CALLEE');
  t.send({ type: 'leg.ended', leg: anna!, reason: 'bye' });
  assert.equal(t.state, 'END');
  assert.deepEqual(t.commands.at(-1), { type: 'reply', code: 480 });
});

test('callee: barge-in, digits, wrong PIN on #, then the right one tells the caller and joins its room', () => {
  const caller = { id: 'caller-1', flow: 'quiz_caller' };
  const t = testFlow(calleeFlow, {
    input: { pin: '12345', caller },
    config,
    call: { id: 'callee-1', direction: 'outbound', user: 'john', requestUri: 'sip:john@127.0.0.1:5080' },
  });
  assert.equal(t.state, 'START');
  t.send({ type: 'call.started' });
  assert.deepEqual(t.take(), [{ type: 'play', prompt: 'welcome_callee.wav' }]);
  for (const key of ['9', '9'] as const) t.send({ type: 'dtmf', key, source: 'rfc4733' });
  t.send({ type: 'dtmf', key: '#', source: 'rfc4733' });
  assert.deepEqual(t.take(), [{ type: 'flush' }, { type: 'flush' }, { type: 'flush' }, { type: 'play', prompt: 'sorry_pin_wrong.wav' }]);
  assert.equal(t.snapshot.context.entered, '');
  for (const key of ['1', '2', '3', '4', '5'] as const) t.send({ type: 'dtmf', key, source: 'info' });
  assert.equal(t.state, 'MATCHING_PIN');
  assert.deepEqual(t.sentTo(caller), [{ type: 'callee.matched', leg: t.self }]);
  t.send({ type: 'caller.connect', room: 'caller-1' });
  assert.equal(t.state, 'CONNECTED');
  assert.deepEqual(t.commands.at(-1), { type: 'join', room: 'caller-1' });
  t.send({ type: 'sip.hangup', reason: 'bye' });
  assert.ok(t.done);
  assert.deepEqual(t.path.slice(0, 5), ['START', '> session starts in callee leg >', 'ENTER_PIN', '> pressed a number >', 'TEST_PIN']);
  assert.ok(t.path.includes("> pin doesn't match >"));
  assert.deepEqual(t.path.slice(-5), ['MATCHING_PIN', '> ok, connected >', 'CONNECTED', '> BYE received >', 'END']);
});
