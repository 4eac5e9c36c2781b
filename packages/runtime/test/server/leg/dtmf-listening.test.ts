import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, createMachine } from 'xstate';
import { takesDtmf } from '../../../src/server/leg/dtmf-listening.js';

test('takesDtmf: a leaf or an ancestor with dtmf, * or dtmf.* takes keys; a guarded transition counts; other events do not', () => {
  const machine = createMachine({
    id: 'm',
    initial: 'A',
    on: { go: '.B', par: '.P', wild: '.W' },
    states: {
      A: { on: { 'dtmf.x': 'B', dtmfx: 'B' } },
      B: { on: { dtmf: { guard: () => false, target: 'A' } } },
      P: { on: { 'dtmf.*': 'A' }, initial: 'Q', states: { Q: {} } },
      W: { on: { '*': 'A' } },
    },
  });
  const actor = createActor(machine).start();
  assert.equal(takesDtmf(actor.getSnapshot()), false, "'dtmf.x' and 'dtmfx' are other events");
  actor.send({ type: 'go' });
  assert.equal(takesDtmf(actor.getSnapshot()), true, 'a guarded dtmf transition');
  actor.send({ type: 'par' });
  assert.equal(takesDtmf(actor.getSnapshot()), true, "P.Q: its parent's dtmf.* (which matches 'dtmf')");
  actor.send({ type: 'wild' });
  assert.equal(takesDtmf(actor.getSnapshot()), true, 'the wildcard');
  actor.stop();
});
