import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFlow, toMermaid, reviewFlows } from '../../src/review/index.js';
import { clean, unreachable } from './sample-machines.js';

test('describeFlow lists states with paths, types, parents and initials', () => {
  const g = describeFlow(clean);
  assert.equal(g.id, 'clean');
  assert.equal(g.initial, 'IDLE');
  const answered = g.states.find((s) => s.path === 'ANSWERED');
  assert.deepEqual(answered, { path: 'ANSWERED', key: 'ANSWERED', type: 'compound', initial: 'ANSWERED.prompting', tags: [] });
  assert.equal(g.states.find((s) => s.path === 'ANSWERED.checking')?.parent, 'ANSWERED');
  assert.equal(g.states.find((s) => s.path === 'DONE')?.type, 'final');
});

test('describeFlow names transitions, guards (higher-order too), delays and actions', () => {
  const g = describeFlow(clean);
  const pin = g.transitions.find((t) => t.description === 'pin matches');
  assert.deepEqual(pin, {
    from: 'ANSWERED.checking',
    event: 'always',
    kind: 'always',
    trigger: 'always',
    guard: 'and(pinMatches, not(isLast))',
    to: ['CONNECTED'],
    description: 'pin matches',
    actions: [],
  });
  const timeUp = g.transitions.find((t) => t.description === 'time is up');
  assert.equal(timeUp?.kind, 'after');
  assert.equal(timeUp?.trigger, 'after 30000 ms');
  assert.deepEqual(timeUp?.actions, ['hangup']);
  const rootHangup = g.transitions.find((t) => t.from === '' && t.event === 'sip.hangup');
  assert.deepEqual(rootHangup?.to, ['DONE']);
  const targetless = g.transitions.find((t) => t.event === 'leg.connected');
  assert.deepEqual(targetless?.to, []);
});

test('toMermaid renders a stateDiagram-v2 with nesting, initial and final markers and labelled transitions', () => {
  const m = toMermaid(describeFlow(clean));
  assert.match(m, /^stateDiagram-v2\n/);
  assert.match(m, /\[\*\] --> IDLE/);
  assert.match(m, /state ANSWERED \{\n\s+state "prompting" as ANSWERED_prompting/);
  assert.match(m, /\[\*\] --> ANSWERED_prompting/);
  assert.match(m, /DONE --> \[\*\]/);
  assert.match(m, /ANSWERED_checking --> CONNECTED : always \[and\(pinMatches, not\(isLast\)\)\] \/ pin matches/);
  assert.match(m, /any_state --> DONE : sip.hangup \/ caller hung up/);
});

test('reviewFlows renders one page per flow with the diagram, the transition table and the findings', () => {
  const review = reviewFlows('demo', { clean, unreachable });
  assert.equal(review.ok, false);
  assert.deepEqual(Object.keys(review.docs), ['clean', 'unreachable']);
  const page = review.docs.clean ?? '';
  assert.match(page, /```mermaid\nstateDiagram-v2/);
  assert.match(page, /\| name \| from \| event \| guard \| to \| actions \|/);
  assert.match(page, /\| pin matches \| `ANSWERED.checking` \| `always` \| `and\(pinMatches, not\(isLast\)\)` \| `CONNECTED` \|/);
  assert.match(page, /No findings/);
  assert.match(review.docs.unreachable ?? '', /\*\*unreachable-state\*\*: state 'ORPHAN' can never be entered/);
});

test('describeFlow names invoke done/error triggers by the actor src, and strips action namespaces', async () => {
  const { setup, fromPromise, assign } = await import('xstate');
  const m = setup({ actors: { lookup: fromPromise(async () => 1) } }).createMachine({
    id: 'inv',
    initial: 'LOOKUP',
    states: {
      LOOKUP: { invoke: { src: 'lookup', onDone: { target: 'OK', actions: assign({}) }, onError: 'FAIL' } },
      OK: { type: 'final' },
      FAIL: { type: 'final' },
    },
  });
  const g = describeFlow(m);
  assert.deepEqual(
    g.transitions.map((t) => [t.kind, t.trigger, t.to[0], t.actions]),
    [
      ['done', 'done: lookup', 'OK', ['assign']],
      ['error', 'error: lookup', 'FAIL', []],
    ],
  );
});
