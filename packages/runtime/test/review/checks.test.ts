import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMachine, setup } from 'xstate';
import { describeFlow, reviewGraphs, reachableStates, checkLegMessages, checkDeclaredEvents } from '../../src/review/index.js';
import { clean, unreachable, hangupLeak, callee } from './sample-machines.js';

test('a clean flow has no findings', () => {
  const findings = reviewGraphs({ clean: describeFlow(clean) });
  assert.deepEqual(findings, []);
});

test('reachability follows initial states, transitions to nested targets (#id) and delayed transitions', () => {
  const reached = reachableStates(describeFlow(clean));
  assert.deepEqual([...reached].sort(), ['ANSWERED', 'ANSWERED.checking', 'ANSWERED.prompting', 'CONNECTED', 'DONE', 'IDLE']);
});

test('rule unreachable-state: a state with no way in is reported', () => {
  const findings = reviewGraphs({ unreachable: describeFlow(unreachable) });
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.rule, 'unreachable-state');
  assert.equal(findings[0]?.state, 'ORPHAN');
});

test('rule unhandled-hangup: a state where nothing handles sip.hangup, and one handled only under a guard', () => {
  const findings = reviewGraphs({ hangupLeak: describeFlow(hangupLeak) });
  assert.deepEqual(
    findings.map((f) => [f.rule, f.state]),
    [
      ['unhandled-hangup', 'WAITING'],
      ['unhandled-hangup', 'PLAYING'],
    ],
  );
  assert.match(findings[1]?.message ?? '', /only under guards \(pinMatches\)/);
});

test('rule unhandled-hangup: a wildcard on an ancestor counts, and the configured event list is used', () => {
  assert.deepEqual(reviewGraphs({ callee: describeFlow(callee) }), []);
  const findings = reviewGraphs({ clean: describeFlow(clean) }, { hangupEvents: ['sip.hangup', 'sip.cancel'] });
  assert.ok(findings.length > 0);
  assert.ok(findings.every((f) => f.rule === 'unhandled-hangup' && /sip\.cancel/.test(f.message)));
});

test('rule unhandled-leg-message: a message the receiving flow never handles is reported', () => {
  const graphs = { clean: describeFlow(clean), callee: describeFlow(callee) };
  const findings = checkLegMessages(graphs, [
    { from: 'clean', to: 'callee', event: 'leg.connected' },
    { from: 'clean', to: 'callee', event: 'leg.pinOk' },
    { from: 'callee', to: 'nobody', event: 'leg.connected' },
  ]);
  assert.deepEqual(
    findings.map((f) => [f.rule, f.flow]),
    [
      ['unhandled-leg-message', 'callee'],
      ['unhandled-leg-message', 'nobody'],
    ],
  );
  assert.match(findings[0]?.message ?? '', /leg\.pinOk/);
  assert.equal(reviewGraphs(graphs, { legMessages: [{ from: 'callee', to: 'clean', event: 'leg.connected' }] }).length, 0);
});

test('rule unhandled-hangup: the initial state waiting for sip.invite is exempt (the INVITE is always delivered first)', async () => {
  const { setup } = await import('xstate');
  const m = setup({ types: { events: {} as { type: 'sip.invite' } | { type: 'sip.hangup' } | { type: 'dtmf' } } }).createMachine({
    id: 'm',
    initial: 'START',
    states: { START: { on: { 'sip.invite': 'RINGING' } }, RINGING: { on: { dtmf: 'END' } }, END: { type: 'final' } },
  });
  const findings = reviewGraphs({ m: describeFlow(m) });
  assert.deepEqual(
    findings.map((f) => f.state),
    ['RINGING'],
  );
});

test('rule unhandled-hangup: in a parallel state, another region that always handles the hangup covers the others', async () => {
  const { setup } = await import('xstate');
  type Ev = { type: 'sip.hangup' } | { type: 'dtmf' } | { type: 'tick' };
  const covered = setup({ types: { events: {} as Ev } }).createMachine({
    id: 'p',
    initial: 'CALL',
    states: {
      CALL: {
        type: 'parallel',
        states: {
          media: { initial: 'playing', states: { playing: { on: { dtmf: 'paused' } }, paused: { on: { dtmf: 'playing' } } } },
          control: { initial: 'up', states: { up: {} }, on: { 'sip.hangup': '#p.DONE' } },
        },
      },
      DONE: { type: 'final' },
    },
  });
  assert.deepEqual(reviewGraphs({ p: describeFlow(covered) }), []);

  // The covering region can finish: then nothing handles the hangup in 'media'.
  const finishing = setup({ types: { events: {} as Ev } }).createMachine({
    id: 'q',
    initial: 'CALL',
    states: {
      CALL: {
        type: 'parallel',
        states: {
          media: { initial: 'playing', states: { playing: {} } },
          control: { initial: 'up', states: { up: { on: { 'sip.hangup': '#q.DONE', tick: 'over' } }, over: { type: 'final' } } },
        },
      },
      DONE: { type: 'final' },
    },
  });
  const findings = reviewGraphs({ q: describeFlow(finishing) });
  assert.ok(
    findings.some((f) => f.state === 'CALL.media.playing'),
    JSON.stringify(findings),
  );
});

test('rule unsupported-action: a stand-in for a DSM action (entry, exit or transition) is reported once per state, by name and line', () => {
  const standIn = (name: string) => {
    const fn = () => undefined;
    Object.defineProperty(fn, 'name', { value: `sipflow.unsupported:${name}` });
    return fn;
  };
  const machine = setup({ types: { events: {} as { type: 'sip.invite' } | { type: 'sip.hangup' } | { type: 'x' } } }).createMachine({
    id: 'imported',
    initial: 'A',
    states: {
      A: {
        entry: standIn('sys.mkdir@ivr.dsm:3'),
        on: { 'sip.invite': 'B', 'sip.hangup': 'END' },
      },
      B: {
        exit: standIn('utils.spell@ivr.dsm:9'),
        on: {
          x: { target: 'B', actions: standIn('jumpFSM@ivr.dsm:12') },
          '*': { target: 'B', actions: standIn('jumpFSM@ivr.dsm:12') },
          'sip.hangup': 'END',
        },
      },
      END: { type: 'final' },
    },
  });
  const graph = describeFlow(machine);
  assert.deepEqual(graph.states.find((s) => s.path === 'A')?.unsupported, ['unsupported:sys.mkdir@ivr.dsm:3']);
  assert.equal(graph.states.find((s) => s.path === 'END')?.unsupported, undefined, 'absent when there is none');
  assert.deepEqual(
    reviewGraphs({ imported: graph }).map((f) => [f.rule, f.state, f.message]),
    [
      ['unsupported-action', 'A', "unsupported action 'sys.mkdir' (ivr.dsm:3) in state 'A': it does nothing in sipflow"],
      ['unsupported-action', 'B', "unsupported action 'utils.spell' (ivr.dsm:9) in state 'B': it does nothing in sipflow"],
      ['unsupported-action', 'B', "unsupported action 'jumpFSM' (ivr.dsm:12) in state 'B': it does nothing in sipflow"],
    ],
  );
});

test('rule undeclared-event: a transition on an event the flow does not declare (e.g. a config built by code or cast)', () => {
  const m = createMachine({
    id: 'x',
    initial: 'A',
    on: { 'sip.*': '.END' },
    states: { A: { on: { dtmf: 'END', eror: 'END', 'leg.*': 'END', 'xstate.done.actor.q': 'END' } }, END: { type: 'final' } },
  });
  const graph = describeFlow(m);
  const findings = checkDeclaredEvents('x', graph, ['dtmf', 'error', 'sip.hangup', 'sip.invite']);
  assert.deepEqual(
    findings.map((f) => [f.rule, f.state, f.message.split(',')[0]]),
    [
      ['undeclared-event', 'A', "state 'A' has a transition on 'eror'"],
      ['undeclared-event', 'A', "state 'A' has a transition on 'leg.*'"],
    ],
  );
  // Through reviewGraphs, only for flows whose events are known.
  assert.equal(
    reviewGraphs({ x: graph }, { declaredEvents: { x: ['dtmf', 'error', 'sip.hangup', 'sip.invite', 'leg.ended'] } }).filter(
      (f) => f.rule === 'undeclared-event',
    ).length,
    1,
  );
  assert.equal(reviewGraphs({ x: graph }).filter((f) => f.rule === 'undeclared-event').length, 0);
});
