/**
 * The DSM semantics an imported flow keeps where they differ from XState's defaults, one test each, on the flow
 * imported from fixtures/semantics/semantics.dsm and run with testFlow (no network).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnyStateMachine } from 'xstate';
import { testFlow, type CallEvent, type FlowCommand } from '@sipflow/runtime/flow';
import { tempApps, type TempApps } from './support.js';

let apps: TempApps;
let flow: AnyStateMachine;

before(async () => {
  apps = tempApps('semantics');
  apps.import('semantics', ['semantics/semantics.dsm']);
  flow = (await apps.load<{ semanticsFlow: AnyStateMachine }>('semantics', 'semantics')).semanticsFlow;
});
after(() => apps.cleanup());

function run(user: string, respond?: (c: FlowCommand) => CallEvent | undefined, resources?: unknown) {
  return testFlow(flow, { input: {}, config: {}, call: { user }, ...(respond ? { respond } : {}), ...(resources ? { resources } : {}) });
}
const key = (k: string): CallEvent => ({ type: 'dtmf', key: k as never, source: 'rfc4733' });
const vars = (t: ReturnType<typeof run>): Record<string, string> => (t.snapshot.context as { vars: Record<string, string> }).vars;

describe('imported DSM semantics', () => {
  it('the first matching transition in declaration order wins, across event types', () => {
    const five = run('order');
    assert.equal(five.state, 'ORDER');
    five.send(key('5'));
    assert.equal(five.state, 'FIVE', 'test(#key==5), declared first, beats the key transition');
    const three = run('order');
    three.send(key('3'));
    assert.equal(three.state, 'KEYED');
  });

  it('a transition with no condition waits for an event of any type (it is not an always)', () => {
    const t = run('any');
    assert.equal(t.state, 'ANY_WAIT', 'not taken on entry');
    t.send({ type: 'call.started' });
    assert.equal(t.state, 'ANY_DONE');
    const k = run('any');
    k.send(key('9'));
    assert.equal(k.state, 'ANY_DONE');
    const notDsm = run('any');
    notDsm.send({ type: 'prompt.queued', prompt: 'x.wav' });
    assert.equal(notDsm.state, 'ANY_WAIT', 'sipflow notifications DSM has no event for do not count');
  });

  it('every transition, a self-transition too, runs exit, then its actions, then entry', () => {
    const t = run('reenter');
    assert.equal(vars(t)['trace'], 'enter;');
    t.send(key('1'));
    assert.equal(t.state, 'LOOP');
    assert.equal(vars(t)['trace'], 'enter;exit;action;enter;');
  });

  it('after a throw only exception transitions are taken, with the exception parameters', () => {
    const t = run('throw');
    t.send(key('1'));
    assert.equal(t.state, 'CAUGHT', 'the any-event transition declared first did not take the exception');
    assert.equal(vars(t)['reason'], 'whynot');
    // A failed effect is an exception too: #type is DSM's 'file' for an unreadable prompt.
    const f = run('throw', (c) =>
      c.type === 'play' ? { type: 'error', code: 'PROMPT_UNREADABLE', message: `cannot read ${c.prompt}`, effect: 'play' } : undefined,
    );
    f.send(key('2'));
    assert.deepEqual(
      f.commands.filter((c) => c.type === 'play'),
      [{ type: 'play', prompt: 'missing.wav' }],
    );
    assert.equal(f.state, 'CAUGHT_FILE');
  });

  it('repost() processes the event again in the state reached', () => {
    const seven = run('repost');
    seven.send(key('7'));
    assert.equal(seven.state, 'SEVEN');
    assert.deepEqual(
      seven.path.filter((s) => s.startsWith('>')),
      ['> go repost >', '> to the reposter >', '> seven >'],
    );
    const other = run('repost');
    other.send(key('4'));
    assert.equal(other.state, 'OTHER_KEY');
  });

  it('variables are strings; test() compares numbers as numbers', () => {
    const t = run('vars');
    t.send(key('1'));
    assert.equal(t.state, 'VARS_OK');
    const v = vars(t);
    assert.equal(v['n'], '8', 'inc("007")');
    assert.equal(v['sum'], '7', 'eval(3+4)');
    assert.equal(v['greeting'], 'hello 8 vars #$', 'sets() with $(var), @(select), ## and $$');
    assert.equal(v['indirect'], '', 'var() of an unset name');
    for (const [name, value] of Object.entries(v)) assert.equal(typeof value, 'string', name);
  });

  it('a mysql.query runs to its end before the next event: a key typed meanwhile waits, then counts', async () => {
    let answer: (rows: Array<{ name: string }>) => void = () => undefined;
    const asked: unknown[] = [];
    const lookups = {
      semantics_70: (params: unknown) => {
        asked.push(params);
        return new Promise((resolve) => (answer = resolve));
      },
    };
    const t = run('query', undefined, lookups);
    assert.equal(t.state, 'QUERYING');
    assert.deepEqual(asked, [{ k: '1' }], 'the query reads $k');
    t.send(key('5'));
    assert.equal(t.state, 'QUERYING', 'the key waits for the query (DSM ran it synchronously)');
    answer([{ name: 'ann' }]);
    await t.waitForState('KEY_AFTER');
    assert.deepEqual(t.path.filter((s) => s.startsWith('>')).slice(-2), ['> one row >', '> a key after the query >']);
    assert.equal(vars(t)['name'], 'ann', 'getResult(0)');
    assert.equal(vars(t)['late'], '5');
  });
});
