/**
 * Model-based paths with xstate/graph on a small IVR flow: every shortest path to every state is replayed through
 * testFlow(), so each path's commands are checked against the model, not against hand-picked scenarios.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, assign } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { answer, flush, hangup, play, reply, testFlow, type CallEvent, type FlowInput } from '../../src/flow/index.js';

const ivr = setup({
  types: { input: {} as FlowInput<{ code: string }>, context: {} as { code: string; entered: string }, events: {} as CallEvent },
  guards: { complete: ({ context }) => context.entered.length >= context.code.length },
}).createMachine({
  id: 'ivr',
  initial: 'START',
  context: ({ input }) => ({ code: input.config.code, entered: '' }),
  on: { 'sip.hangup': { target: '.END', description: 'caller hung up' } },
  states: {
    START: { on: { 'sip.invite': { target: 'GREETING', actions: [answer(), play('welcome.wav')], description: 'got INVITE' } } },
    GREETING: {
      on: {
        dtmf: { target: 'COLLECT', actions: [flush(), assign({ entered: ({ event }) => event.key })], description: 'first key' },
        error: { target: 'END', actions: reply(500), description: 'error opening file' },
      },
    },
    COLLECT: {
      always: { guard: 'complete', target: 'CHECK', description: 'code complete' },
      on: { dtmf: { actions: assign({ entered: ({ context, event }) => context.entered + event.key }), description: 'one more key' } },
    },
    CHECK: {
      always: [
        { guard: ({ context }) => context.entered === context.code, target: 'DONE', actions: play('ok.wav'), description: 'code right' },
        { target: 'END', actions: hangup(), description: 'code wrong' },
      ],
    },
    DONE: { on: { 'playlist.ended': { target: 'END', actions: hangup(), description: 'said goodbye' } } },
    END: { type: 'final' },
  },
});

const events: CallEvent[] = [
  { type: 'sip.invite', call: { id: 'c', direction: 'inbound', from: 'a', to: 'b', requestUri: 'sip:1@h', user: '1', transport: 'udp' } },
  { type: 'dtmf', key: '4', source: 'rfc4733' },
  { type: 'dtmf', key: '2', source: 'rfc4733' },
  { type: 'dtmf', key: '7', source: 'info' },
  { type: 'playlist.ended' },
  { type: 'sip.hangup', reason: 'bye' },
  { type: 'error', code: 'PROMPT_UNREADABLE', message: 'no file', effect: 'play' },
];

test('every shortest path of the model replays through testFlow with the commands the model implies', () => {
  const config = { code: '42' };
  const input = {
    call: { id: 'c', direction: 'inbound' as const, from: 'a', to: 'b', requestUri: 'sip:1@h', user: '1', transport: 'udp' as const },
    self: { id: 'c', flow: 'ivr' },
    config,
  };
  const paths = getShortestPaths(ivr, { events, input });
  const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));
  for (const s of ['START', 'GREETING', 'COLLECT', 'DONE', 'END']) assert.ok(reached.has(JSON.stringify(s)), `model reaches ${s}`);

  for (const path of paths) {
    const t = testFlow(ivr, { input: {}, config, invite: false });
    for (const step of path.steps.slice(1)) t.send(step.event);
    assert.deepEqual(t.snapshot.value, path.state.value, `path ${path.steps.map((s) => s.event.type).join(' → ')}`);
    const cmds = t.commands.map((c) => c.type);
    if (path.state.value === 'DONE') {
      assert.deepEqual(t.commands.at(-1), { type: 'play', prompt: 'ok.wav' });
      assert.equal(t.snapshot.context.entered, '42');
    }
    if (path.state.value === 'END') {
      // Every way to the end either hangs up, rejects, or was ended by the peer: nothing is left half-open.
      const last = path.steps.at(-1)!.event.type;
      assert.ok(last === 'sip.hangup' || cmds.includes('hangup') || cmds.includes('reply'), `END via ${last} issues ${cmds}`);
    }
    t.stop();
  }
});

test('the state graph names each transition taken, like dsm_stategraph', () => {
  const t = testFlow(ivr, { input: {}, config: { code: '42' } });
  t.send({ type: 'dtmf', key: '4', source: 'rfc4733' }).send({ type: 'dtmf', key: '1', source: 'rfc4733' });
  assert.deepEqual(t.path, [
    'START',
    '> got INVITE >',
    'GREETING',
    '> first key >',
    'COLLECT',
    '> one more key >',
    '> code complete >',
    'CHECK',
    '> code wrong >',
    'END',
  ]);
  assert.deepEqual(t.commands.at(-1), { type: 'hangup' });
  const steps = t.graph;
  assert.ok(steps.every((s, i) => i === 0 || s.at >= steps[i - 1]!.at));
  const transition = steps.find((s) => s.kind === 'transition');
  assert.deepEqual(transition && transition.kind === 'transition' ? transition.event : undefined, 'sip.invite');
});
