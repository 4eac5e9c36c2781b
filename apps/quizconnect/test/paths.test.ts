/**
 * The review's path checks on quizconnect: the flows pass, and a caller flow broken on purpose fails with a path
 * that reproduces it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMachine, type AnyStateMachine } from 'xstate';
import { checkFlowPaths, reviewFlows } from '@sipflow/runtime/review';
import { callerFlow, calleeFlow, configSchema } from '../src/index.js';
import { pathFixtures } from '../src/review-paths.js';

const config = configSchema.parse({});

/** The caller flow with one state replaced (same guards, actions, actors and delays). */
function callerWith(state: string, replacement: Record<string, unknown>): AnyStateMachine {
  const cfg = callerFlow.config as { states: Record<string, unknown> };
  return createMachine({ ...callerFlow.config, states: { ...cfg.states, [state]: replacement } } as never, callerFlow.implementations as never);
}

test('quizconnect: every path of both flows up to the bound ends the call cleanly', () => {
  const caller = checkFlowPaths('quizconnect_caller', callerFlow, pathFixtures.quizconnect_caller, config);
  const callee = checkFlowPaths('quizconnect_callee', calleeFlow, pathFixtures.quizconnect_callee, config);
  assert.deepEqual([...caller.failures, ...callee.failures], []);
  // The paths reach what matters: an effect failing, callee legs failing and winning, hangups, timers.
  for (const e of ['sip.hangup', 'leg.failed', 'leg.ended', 'callee.matched', 'xstate.error.actor', 'xstate.done.actor', 'xstate.after', 'error'])
    assert.ok(caller.injected.includes(e), `caller paths inject ${e}`);
  for (const e of ['sip.hangup', 'call.failed', 'caller.connect', 'dtmf', 'xstate.after'])
    assert.ok(callee.injected.includes(e), `callee paths inject ${e}`);
  assert.ok(caller.paths > 100 && callee.paths > 100, `${caller.paths} / ${callee.paths} paths`);
});

test('quizconnect broken on purpose: CANCEL_CALLEES without its hangup leaves the callee legs up; the path is printed as a testFlow script', () => {
  const broken = callerWith('CANCEL_CALLEES', { always: { target: 'END', description: 'canceled all' } });
  const result = checkFlowPaths('quizconnect_caller', broken, pathFixtures.quizconnect_caller, config);
  const failure = result.failures.find((f) => /leg\(s\) it dialled still up/.test(f.message));
  assert.ok(failure, `a failing path: ${result.failures.map((f) => f.message).join('; ')}`);
  // A shortest such path: lookup with a row, prompt queued, then the caller's CANCEL while the callee rings.
  assert.deepEqual(
    failure.events.map((e) => e.type),
    ['xstate.done.actor.0.quizconnect_caller.RUN_INVITE.LOOKUP', 'prompt.queued', 'sip.hangup'],
  );
  assert.match(failure.script, /^const t = testFlow\(quizconnect_caller, /);
  assert.match(failure.script, /t\.send\(\{"type":"sip\.hangup","reason":"cancel"\}\);$/);

  // Through the review: a finding, and the page counts the paths.
  const review = reviewFlows('quizconnect', { quizconnect_caller: broken }, { paths: { fixtures: pathFixtures, defaultConfig: config } });
  assert.equal(review.ok, false);
  assert.ok(review.findings.some((f) => f.rule === 'failing-path' && f.message.includes('t.send(')));
  assert.match(review.docs.quizconnect_caller ?? '', /## Paths\n\n\d+ paths of up to 9 events were played/);
});

test('quizconnect broken on purpose: a caller that stays after the CANCEL, and one that drops a failing callee leg', () => {
  const stays = callerWith('CANCEL_CALLEES', {
    entry: (callerFlow.config as unknown as { states: { CANCEL_CALLEES: { entry: unknown } } }).states.CANCEL_CALLEES.entry,
  });
  const a = checkFlowPaths('quizconnect_caller', stays, pathFixtures.quizconnect_caller, config);
  assert.ok(
    a.failures.some((f) => /the call ended \(sip\.hangup\) but the flow did not: it waits in 'CANCEL_CALLEES'/.test(f.message)),
    a.failures.map((f) => f.message).join('; '),
  );

  const waitCallee = (callerFlow.config as unknown as { states: { WAIT_CALLEE: { on: Record<string, unknown> } } }).states.WAIT_CALLEE;
  const { 'leg.failed': _dropped, ...on } = waitCallee.on;
  const drops = callerWith('WAIT_CALLEE', { ...waitCallee, on });
  const b = checkFlowPaths('quizconnect_caller', drops, pathFixtures.quizconnect_caller, config);
  assert.ok(
    b.failures.some((f) => f.message === "'leg.failed' of a live leg is dropped in 'WAIT_CALLEE'"),
    b.failures.map((f) => f.message).join('; '),
  );
});
