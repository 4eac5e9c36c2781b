/** The call registry: active and ended records, filters, retention, update events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallRegistry } from '../../src/server/call-registry.js';
import type { CallRecord } from '../../src/server/registry-types.js';

const base = { appVersion: 1, direction: 'inbound' as const, from: 'a', to: 'b', requestUri: 'sip:35@h', startedAt: 1 };

test('records move from active to ended with outcome and reason; filters by app, state and ended', () => {
  const reg = new CallRegistry();
  const updates: string[] = [];
  reg.on('update', (r: CallRecord) => updates.push(`${r.id}:${r.state}:${r.outcome}`));
  reg.add({ id: 'c1', app: 'qc', flow: 'caller', ...base });
  reg.add({ id: 'c2', app: 'ivr', flow: 'ivr', ...base });
  reg.state('c1', 'WAIT_CALLEE', [
    { kind: 'state', at: 1, state: 'START' },
    { kind: 'transition', at: 2, description: 'go', event: 'x' },
    { kind: 'state', at: 3, state: 'WAIT_CALLEE' },
  ]);
  assert.equal(reg.activeCount, 2);
  assert.deepEqual(
    reg.list({ app: 'qc' }).map((r) => r.id),
    ['c1'],
  );
  assert.deepEqual(
    reg.list({ state: 'WAIT_CALLEE' }).map((r) => r.id),
    ['c1'],
  );
  reg.end('c1', 'cancelled', 'cancel');
  assert.equal(reg.activeCount, 1);
  assert.deepEqual(
    reg.list().map((r) => r.id),
    ['c2'],
  );
  assert.deepEqual(
    reg
      .list({ ended: true })
      .map((r) => r.id)
      .sort(),
    ['c1', 'c2'],
  );
  const c1 = reg.get('c1')!;
  assert.equal(c1.outcome, 'cancelled');
  assert.equal(c1.endReason, 'cancel');
  assert.ok(c1.endedAt! >= c1.startedAt);
  assert.equal(c1.stateGraph.length, 3);
  assert.deepEqual(updates, ['c1::active', 'c2::active', 'c1:WAIT_CALLEE:active', 'c1:WAIT_CALLEE:cancelled']);
  reg.end('c1', 'error'); // twice: ignored
  assert.equal(reg.get('c1')!.outcome, 'cancelled');
  reg.close();
});

test('ended records are kept for retainEndedMs, at most maxEnded; the state graph is capped', () => {
  const none = new CallRegistry({ retainEndedMs: 0 });
  none.add({ id: 'x', app: 'a', flow: 'f', ...base });
  none.end('x', 'completed');
  assert.equal(none.get('x'), undefined);

  const few = new CallRegistry({ maxEnded: 2, maxGraphSteps: 2 });
  for (const id of ['a', 'b', 'c']) {
    few.add({ id, app: 'a', flow: 'f', ...base });
    few.state(
      id,
      'S',
      [1, 2, 3].map((at) => ({ kind: 'state' as const, at, state: `S${at}` })),
    );
    few.end(id, 'completed');
  }
  assert.deepEqual(
    few.list({ ended: true }).map((r) => r.id),
    ['b', 'c'],
  );
  assert.equal(few.get('c')!.stateGraph.length, 2);
  few.close();
});
