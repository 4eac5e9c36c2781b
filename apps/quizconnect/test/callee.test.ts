/** The callee flow with no network: rows E1–E5 and the callee side of B3/B4/B6. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { testFlow as startFlow, type DtmfKeyEvent } from '@sipflow/runtime/flow';
import { calleeFlow, MATCH_CONFIRM_TIMEOUT_S } from '../src/callee.js';
import { quizConfig } from './fixtures.js';

const started: Array<{ stop(): void }> = [];
afterEach(() => started.splice(0).forEach((t) => t.stop()));

const caller = { id: 'caller-1', flow: 'quizconnect_caller' };

function callee(pin = '12345') {
  const t = startFlow(calleeFlow, {
    input: { pin, caller },
    config: quizConfig(),
    call: { id: 'callee-1', direction: 'outbound', user: 'john', requestUri: 'sip:john@127.0.0.1:5080' },
  });
  started.push(t);
  return t;
}

const keys = (s: string, source: DtmfKeyEvent['source'] = 'rfc4733') => [...s].map((key) => ({ type: 'dtmf', key, source }) as DtmfKeyEvent);

test('E1: answered → welcome_callee prompt', () => {
  const t = callee();
  assert.equal(t.state, 'START');
  t.send({ type: 'call.ringing', code: 180 });
  assert.deepEqual(t.take(), []);
  t.send({ type: 'call.started' });
  t.send({ type: 'call.answered' });
  assert.equal(t.state, 'ENTER_PIN');
  assert.deepEqual(t.take(), [{ type: 'play', prompt: 'welcome_callee.wav' }]);
  assert.deepEqual(t.path, ['START', '> session starts in callee leg >', 'ENTER_PIN']);
});

test('E2: each digit stops the prompt at once (barge-in) and is appended; any DTMF source counts', () => {
  const t = callee();
  t.send({ type: 'call.started' });
  t.take();
  for (const ev of [...keys('12', 'rfc4733'), ...keys('3', 'info'), ...keys('4', 'inband')]) t.send(ev);
  assert.equal(t.snapshot.context.entered, '1234');
  assert.deepEqual(t.take(), [{ type: 'flush' }, { type: 'flush' }, { type: 'flush' }, { type: 'flush' }]);
  assert.equal(t.state, 'ENTER_PIN');
  assert.deepEqual(t.path.slice(2, 7), ['ENTER_PIN', '> pressed a number >', 'TEST_PIN', "> pin doesn't match >", 'ENTER_PIN']);
});

test('E2/E4: the last digit of the PIN matches without # → the caller is told (typed event)', () => {
  const t = callee();
  t.send({ type: 'call.started' });
  for (const ev of keys('12345')) t.send(ev);
  assert.equal(t.state, 'MATCHING_PIN');
  assert.deepEqual(t.sentTo(caller), [{ type: 'callee.matched', leg: t.self }]);
  assert.deepEqual(t.path.slice(-3), ['TEST_PIN', '> pin matches >', 'MATCHING_PIN']);
});

test('E3: # or * with a wrong PIN → digits cleared, sorry prompt, may type again; then the right PIN matches', () => {
  const t = callee();
  t.send({ type: 'call.started' });
  t.take();
  for (const ev of keys('99#')) t.send(ev);
  assert.equal(t.snapshot.context.entered, '');
  assert.deepEqual(t.take(), [{ type: 'flush' }, { type: 'flush' }, { type: 'flush' }, { type: 'play', prompt: 'sorry_pin_wrong.wav' }]);
  assert.ok(t.path.includes('> pressed hash or star >'));
  assert.ok(t.path.includes('TEST_PIN_FINAL'));
  for (const ev of keys('7*')) t.send(ev);
  assert.equal(t.snapshot.context.entered, '');
  assert.equal(t.state, 'ENTER_PIN');
  for (const ev of keys('12345')) t.send(ev);
  assert.equal(t.state, 'MATCHING_PIN');
});

test('E3: # right after the correct digits also matches (TEST_PIN_FINAL → pin matches); A-D are ignored', () => {
  const t = callee('42');
  t.send({ type: 'call.started' });
  for (const ev of keys('4A')) t.send(ev);
  assert.equal(t.snapshot.context.entered, '4');
  // Here the PIN is a prefix typed so far: the digit test already matches at '42'.
  t.send(keys('2')[0]!);
  assert.equal(t.state, 'MATCHING_PIN');
});

test('E4: the caller confirms → join its room; CONNECTED; BYE → END', () => {
  const t = callee();
  t.send({ type: 'call.started' });
  for (const ev of keys('12345')) t.send(ev);
  t.take();
  t.send({ type: 'caller.connect', room: 'caller-1' });
  assert.equal(t.state, 'CONNECTED');
  assert.deepEqual(t.take(), [{ type: 'join', room: 'caller-1' }]);
  // Keys after connect are just audio for the caller.
  for (const ev of keys('9#')) t.send(ev);
  assert.equal(t.state, 'CONNECTED');
  t.send({ type: 'sip.hangup', reason: 'bye' });
  assert.ok(t.done);
  assert.deepEqual(t.path.slice(-5), ['MATCHING_PIN', '> ok, connected >', 'CONNECTED', '> BYE received >', 'END']);
});

test('E5/B2: the callee never answers (busy, 404, timeout) → END', () => {
  const t = callee();
  t.send({ type: 'call.failed', code: 486, reason: 'Busy Here' });
  assert.ok(t.done);
  assert.deepEqual(t.path, ['START', '> callee did not answer >', 'END']);
});

test('B3: the callee hangs up while typing → END cleanly', () => {
  const t = callee();
  t.send({ type: 'call.started' });
  for (const ev of keys('12')) t.send(ev);
  t.send({ type: 'sip.hangup', reason: 'bye' });
  assert.ok(t.done);
  assert.deepEqual(t.path.slice(-3), ['ENTER_PIN', '> BYE received >', 'END']);
});

test('B4: a matched callee the caller never confirms (it lost the race, or the caller vanished) gives up', async () => {
  assert.ok(MATCH_CONFIRM_TIMEOUT_S >= 5, 'long enough for a loaded machine');
  const t = startFlow(calleeFlow.provide({ delays: { confirmTimeout: 20 } }), {
    input: { pin: '1', caller },
    config: quizConfig(),
    call: { id: 'callee-3', direction: 'outbound', user: 'john' },
  });
  started.push(t);
  t.send({ type: 'call.started' });
  t.send(keys('1')[0]!);
  assert.equal(t.state, 'MATCHING_PIN');
  await t.waitForState('END', 5000);
  assert.deepEqual(t.path.slice(-3), ['MATCHING_PIN', '> caller did not confirm >', 'END']);
});

test('B6: an effect fails in the callee leg (e.g. prompt unreadable) → the leg ends with hangup', () => {
  const t = startFlow(calleeFlow, {
    input: { pin: '1', caller },
    config: quizConfig(),
    call: { id: 'callee-2', direction: 'outbound', user: 'anna' },
    respond: (cmd) =>
      cmd.type === 'play' ? { type: 'error', code: 'PROMPT_UNREADABLE', message: 'cannot read welcome_callee.wav', effect: 'play' } : undefined,
  });
  started.push(t);
  t.send({ type: 'call.started' });
  assert.ok(t.done);
  assert.deepEqual(t.commands.at(-1), { type: 'hangup', code: 500 });
  assert.ok(t.path.includes('> unexpected failure >'));
});
