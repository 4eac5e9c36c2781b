import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LegBudget } from '../../src/server/leg-budget.js';

test("a flow's fan-out is learned from its calls; admitted calls reserve the legs they have yet to dial", () => {
  const b = new LegBudget();
  assert.equal(b.need('qc/caller'), 1, "nothing known yet: the call's own leg");
  b.admitted('c1', 'qc/caller');
  b.dialled('c1');
  b.dialled('c1');
  assert.equal(b.need('qc/caller'), 3);
  assert.equal(b.reserved, 0, 'c1 dialled all it will');
  b.admitted('c2', 'qc/caller');
  assert.equal(b.reserved, 2);
  b.dialled('c2');
  assert.equal(b.reserved, 1);
  b.ended('c2');
  assert.equal(b.reserved, 0);
  assert.equal(b.need('other/flow'), 1, 'per flow');
  b.dialled('unknown'); // a leg of a call not admitted here (ignored)
  assert.equal(b.reserved, 0);
});
