/**
 * DSM flow control in an imported flow, one test per construct: timers (setTimer, removeTimer, removeTimers, the
 * timer condition), for loops (range, array, struct) and break. The flow is imported from fixtures/control/ and run
 * with testFlow (no network; a timer of 0 seconds fires on the next turn of the event loop, awaited).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnyStateMachine } from 'xstate';
import { testFlow, type CallEvent } from '@sipflow/runtime/flow';
import { tempApps, type TempApps } from './support.js';

let apps: TempApps;
let control: AnyStateMachine;

before(async () => {
  apps = tempApps('control');
  apps.import('control', ['control/control.dsm']);
  control = (await apps.load<{ controlFlow: AnyStateMachine }>('control', 'control')).controlFlow;
});
after(() => apps.cleanup());

const run = (user: string) => testFlow(control, { input: {}, config: {}, call: { user } });
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
