/**
 * DSM flow control in an imported flow, one test per construct: timers (setTimer, removeTimer, removeTimers, the
 * timer condition), for loops (range, array, struct) and break, jumpFSM/callFSM/returnFSM between diagrams, the
 * B2B.* actions and conditions. The flow is imported from fixtures/control/ and run
 * (and fixtures/subfsm/, fixtures/b2b/) with testFlow (no network; a timer of 0 seconds fires on the next turn of the event loop, awaited).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnyStateMachine } from 'xstate';
import { testFlow, type CallEvent, type FlowCommand } from '@sipflow/runtime/flow';
import { tempApps, type TempApps } from './support.js';

let apps: TempApps;
let control: AnyStateMachine;
let subfsm: AnyStateMachine;
let sub: AnyStateMachine;
let b2b: AnyStateMachine;
let b2bCallee: AnyStateMachine;

before(async () => {
  apps = tempApps('control');
  apps.import('control', ['control/control.dsm']);
  apps.import('b2b', ['b2b/b2b.dsm']);
  apps.import('subfsm', ['subfsm/subfsm.dsm', 'subfsm/subfsm_sub.dsm', 'subfsm/subfsm_menu.dsm']);
  control = (await apps.load<{ controlFlow: AnyStateMachine }>('control', 'control')).controlFlow;
  subfsm = (await apps.load<{ subfsmFlow: AnyStateMachine }>('subfsm', 'subfsm')).subfsmFlow;
  b2b = (await apps.load<{ b2bFlow: AnyStateMachine }>('b2b', 'b2b')).b2bFlow;
  b2bCallee = (await apps.load<{ b2bCalleeFlow: AnyStateMachine }>('b2b', 'b2b_callee')).b2bCalleeFlow;
  sub = (await apps.load<{ subfsmSubFlow: AnyStateMachine }>('subfsm', 'subfsm_sub')).subfsmSubFlow;
});
after(() => apps.cleanup());

const run = (user: string, flow = control) => testFlow(flow, { input: {}, config: {}, call: { user } });
const key = (k: string): CallEvent => ({ type: 'dtmf', key: k as never, source: 'rfc4733' });
const vars = (t: ReturnType<typeof run>): Record<string, string> => (t.snapshot.context as { vars: Record<string, string> }).vars;
const taken = (t: ReturnType<typeof run>): string[] => t.path.filter((s) => s.startsWith('>'));

describe('imported DSM timers', () => {
  it('setTimer fires a timer event with #id in whatever state the flow is in by then; a removed timer never fires', async () => {
    const t = run('timers');
    assert.equal(t.state, 'TIMERS');
    t.send(key('1'));
    assert.equal(t.state, 'TIMER_WAIT', 'the timers have not fired yet: they wait for their time');
    await t.waitForState('TIMER_TWO');
    assert.deepEqual(taken(t).slice(-1), ['> timer 2 fired >']);
    assert.ok(!taken(t).includes('> timer 1 fired >'), 'removeTimer(1): timer 1 set first, never fired');
  });

  it('removeTimers() cancels every timer set before it', async () => {
    const t = run('removeall');
    await t.waitForState('TIMER_FIVE');
    assert.deepEqual(taken(t).slice(-1), ['> timer 5 fired >'], 'timers 3 and 4 (set first) did not fire');
  });

  it('a timer id that is not a number sets $errno to 2 and no timer', () => {
    const t = run('badtimer');
    assert.equal(vars(t)['errno'], '2');
    t.send(key('1'));
    assert.equal(t.state, 'BAD_TIMER_SEEN');
  });
});

describe('imported DSM for loops', () => {
  it('range counts up and down (end excluded), arrays go by index, structs by member name', () => {
    const v = vars(run('loops'));
    assert.equal(v['range'], '0123');
    assert.equal(v['down'], '321');
    assert.equal(v['pairs'], 'one=1;two=2;');
  });

  it('break leaves the innermost loop only, skipping the rest of its pass', () => {
    const v = vars(run('loops'));
    assert.equal(v['items'], 'ab', 'break at c: neither c appended nor later items');
    assert.equal(v['nested'], '001020', 'the inner break at j=1 ends the inner loop; the outer loop goes on');
  });

  it('loop variables get back their value after the loop (unset when they had none)', () => {
    const v = vars(run('loops'));
    assert.equal(v['i'], 'keep');
    for (const name of ['x', 'j', 'k', 'v']) assert.equal(v[name], undefined, name);
  });
});

describe('imported DSM sub-FSMs', () => {
  it('callFSM in a transition: exit, the actions before it, then the called diagram (not the target); returnFSM comes back without enter actions, then the actions after the call', () => {
    const t = run('call', subfsm);
    assert.equal(vars(t)['trace'], 'caller-enter;');
    t.send(key('1'));
    assert.equal(t.state, 'FSM_subfsm_sub.SUB');
    assert.equal(vars(t)['trace'], 'caller-enter;caller-exit;before;sub-enter;');
    t.send(key('9'));
    assert.equal(t.state, 'FSM_subfsm.CALLER', 'back where callFSM was made, not in its target END nor in SUB_END');
    assert.equal(
      vars(t)['trace'],
      'caller-enter;caller-exit;before;sub-enter;returning;after-return;',
      'no enter actions again, nothing after returnFSM',
    );
    t.send(key('2'));
    assert.equal(t.state, 'FSM_subfsm.CALLED_BACK', 'the caller state takes events again');
  });

  it('callFSM in enter actions: returnFSM comes back to that state and runs the enter actions after the call', () => {
    const t = run('entercall', subfsm);
    assert.equal(t.state, 'FSM_subfsm_sub.SUB');
    assert.equal(vars(t)['trace'], 'enter;sub-enter;');
    t.send(key('9'));
    assert.equal(t.state, 'FSM_subfsm.ENTER_CALLER');
    assert.equal(vars(t)['trace'], 'enter;sub-enter;returning;after-return;');
    t.send(key('2'));
    assert.equal(t.state, 'FSM_subfsm.CALLED_BACK');
  });

  it('jumpFSM: the actions after it are skipped and the other diagram starts instead of the target', () => {
    const t = run('jump', subfsm);
    t.send(key('1'));
    assert.equal(t.state, 'FSM_subfsm_menu.MENU');
    assert.equal(vars(t)['trace'], 'before;menu-enter;');
    t.send(key('1'));
    assert.deepEqual(taken(t).slice(-2), ['> menu key >', '> subfsm_menu ended >']);
    assert.equal(t.snapshot.status, 'done', 'a final state of a jumped-to diagram (MENU_DONE) ends the flow');
  });

  it('returnFSM with nothing to return to does nothing: the actions after it run and the transition goes on', () => {
    const t = testFlow(sub, { input: {}, config: {}, call: { user: 'sub' } });
    t.send(key('9'));
    assert.equal(t.state, 'SUB_END');
    assert.equal(vars(t)['trace'], 'sub-enter;returning;not-after-return;');
  });
});

describe('imported DSM B2B', () => {
  const dialled = (t: ReturnType<typeof run>) => {
    const cmd = t.commands.find((c): c is Extract<FlowCommand, { type: 'dial' }> => c.type === 'dial');
    assert.ok(cmd, 'a dial command');
    return cmd.leg;
  };

  it('B2B.connectCallee dials the B leg (R-URI, From $b2b_local_party, credentials, the headers left by add/set/remove) and joins its room', () => {
    const t = run('a', b2b);
    t.send({ type: 'call.started' });
    assert.equal(t.state, 'CALLING');
    const l = dialled(t);
    assert.equal(l.flow, 'b2b.b2b_callee');
    assert.equal(l.dial.to, 'sip:bob@127.0.0.1:5099');
    assert.deepEqual(l.dial.from, { user: 'alice', host: 'example.org', displayName: 'Alice' });
    assert.deepEqual(l.dial.credentials, { username: 'alice', password: 'secret' });
    assert.deepEqual(l.dial.headers, { 'X-A': 'a', 'X-C': 'c' }, 'setHeaders replaced X-Test, removeHeader took X-B');
    const self = (t.snapshot.context as { self: { id: string } }).self.id;
    assert.deepEqual(l.dial.input, { vars: { b2b_room: self } }, 'the B leg joins the room named after this leg');
    assert.equal(vars(t)['b2b_other_ltag'], l.id);
    assert.deepEqual(
      t.commands.filter((c) => c.type === 'join'),
      [{ type: 'join', room: self }],
    );
  });

  it('B2B.otherReply takes the B leg ringing (#code 180), answering (200) and refusing (#code 486)', () => {
    const t = run('a', b2b);
    t.send({ type: 'call.started' });
    const l = dialled(t);
    t.send({ type: 'leg.ringing', leg: { id: l.id, flow: l.flow } as never, code: 180 });
    assert.equal(vars(t)['rang'], '180');
    t.send({ type: 'leg.answered', leg: { id: l.id, flow: l.flow } as never });
    assert.equal(t.state, 'CONNECTED');
    const f = run('a', b2b);
    f.send({ type: 'call.started' });
    const fl = dialled(f);
    f.send({ type: 'leg.failed', leg: { id: fl.id, flow: fl.flow } as never, code: 486, reason: 'Busy Here' });
    assert.equal(f.state, 'FAILED');
    assert.equal(vars(f)['why'], '486');
  });

  it('B2B.otherBye: the B leg ended; B2B.terminateOtherLeg ends the B leg', () => {
    const t = run('a', b2b);
    t.send({ type: 'call.started' });
    const l = dialled(t);
    t.send({ type: 'leg.answered', leg: { id: l.id, flow: l.flow } as never });
    t.send(key('1'));
    assert.equal(t.state, 'DROPPED');
    assert.deepEqual(
      t.commands.filter((c) => c.type === 'hangupLeg'),
      [{ type: 'hangupLeg', leg: { id: l.id, flow: '' } }],
    );
    t.send({ type: 'leg.ended', leg: { id: l.id, flow: l.flow } as never, reason: 'bye' });
    assert.equal(t.snapshot.status, 'done');
    const bye = run('a', b2b);
    bye.send({ type: 'call.started' });
    const bl = dialled(bye);
    bye.send({ type: 'leg.answered', leg: { id: bl.id, flow: bl.flow } as never });
    bye.send({ type: 'leg.ended', leg: { id: bl.id, flow: bl.flow } as never, reason: 'bye' });
    assert.ok(
      bye.commands.some((c) => c.type === 'hangup'),
      'stop(true)',
    );
  });

  it('B2B.otherBye does not take the end of a B leg that was refused (the leg.ended after its leg.failed)', () => {
    const f = run('a', b2b);
    f.send({ type: 'call.started' });
    const l = dialled(f);
    const ref = { id: l.id, flow: l.flow } as never;
    f.send({ type: 'leg.failed', leg: ref, code: 486, reason: 'Busy Here' });
    assert.equal(f.state, 'FAILED');
    f.send({ type: 'leg.ended', leg: ref, reason: '486', answered: false });
    assert.equal(f.state, 'FAILED', 'not a BYE');
    f.send({ type: 'leg.ended', leg: ref, reason: 'bye', answered: true });
    assert.equal(f.snapshot.status, 'done', 'the end of a leg that had answered is');
  });

  it('the B leg joins the A leg room when it answers', () => {
    const t = testFlow(b2bCallee, { input: { vars: { b2b_room: 'a-leg-1' } }, config: {}, call: { user: 'bob', direction: 'outbound' } as never });
    t.send({ type: 'call.started' });
    assert.equal(t.state, 'CONNECTED');
    assert.deepEqual(
      t.commands.filter((c) => c.type === 'join'),
      [{ type: 'join', room: 'a-leg-1' }],
    );
  });
});
