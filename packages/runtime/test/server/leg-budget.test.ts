import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LegBudget } from '../../src/server/leg-budget.js';

test("a flow's fan-out is learned from its calls; admitted calls reserve the legs they have yet to dial", () => {
  const b = new LegBudget();
  b.admitted('c1', 'qc/caller');
  b.dialled('c1');
  b.dialled('c1');
  assert.equal(b.need('qc/caller'), 3);
  assert.ok(b.learned('qc/caller'));
  assert.equal(b.reserved, 0, 'c1 dialled all it will');
  b.admitted('c2', 'qc/caller');
  assert.equal(b.reserved, 2);
  b.dialled('c2');
  assert.equal(b.reserved, 1);
  b.ended('c2');
  assert.equal(b.reserved, 0);
  assert.equal(b.need('other/flow', 1), 1, 'per flow');
  b.dialled('unknown'); // a leg of a call not admitted here (ignored)
  assert.equal(b.reserved, 0);
});

test('until a flow has shown its fan-out, its calls are assumed to dial assumedFanOut legs (a start-up burst)', () => {
  const b = new LegBudget(2);
  assert.equal(b.learned('qc/caller'), false);
  // The first call of the flow assumes no more than is free besides its own leg: tiny limits still take calls.
  assert.equal(b.fanOut('qc/caller', 1), 0, 'one leg free: the first call alone');
  assert.equal(b.fanOut('qc/caller', 2), 1);
  assert.equal(b.fanOut('qc/caller', 100), 2);
  b.admitted('c1', 'qc/caller', undefined, b.fanOut('qc/caller', 100));
  // While it has not dialled, the next calls of the flow are assumed to dial the whole assumption, whatever is free.
  assert.equal(b.fanOut('qc/caller', 1), 2);
  assert.equal(b.need('qc/caller', 1), 3);
  b.admitted('c2', 'qc/caller', undefined, b.fanOut('qc/caller'));
  assert.equal(b.reserved, 4, 'c1 and c2 hold two legs each for the callees they may dial');
  // c1 dials one leg: the flow has shown a fan-out of (at least) 1, which replaces the assumption for every call.
  b.dialled('c1');
  assert.ok(b.learned('qc/caller'));
  assert.equal(b.reserved, 1, 'c2 will dial one');
  assert.equal(b.need('qc/caller', 1), 2);
  b.ended('c1');
  b.ended('c2');

  // A flow that answers without dialling (an IVR) has shown its fan-out: 0 until one of its calls dials.
  const ivr = new LegBudget(2);
  ivr.admitted('i1', 'ivr/menu', undefined, ivr.fanOut('ivr/menu'));
  ivr.admitted('i2', 'ivr/menu', undefined, ivr.fanOut('ivr/menu'));
  assert.equal(ivr.reserved, 4);
  ivr.learnFromAnswers((id) => id === 'i9');
  assert.equal(ivr.learned('ivr/menu'), false, 'neither has answered yet');
  ivr.learnFromAnswers((id) => id === 'i1');
  assert.ok(ivr.learned('ivr/menu'));
  assert.equal(ivr.reserved, 0);
  assert.equal(ivr.need('ivr/menu'), 1);
  ivr.dialled('i2');
  assert.equal(ivr.need('ivr/menu'), 2, 'a transfer later: learned like any other dial');
});

test('ports are counted per share of the range: a call goes where all its streams fit, counting reservations', () => {
  const b = new LegBudget();
  b.admitted('c0', 'qc/caller', 0);
  b.dialled('c0');
  b.dialled('c0'); // fan-out 2: a call needs 3 streams
  b.ended('c0');
  // Two workers of 4 pairs each; 10 pairs in all would fit a third call, but no single worker holds 3 more.
  const shares = [
    { pairs: 4, streams: 2 },
    { pairs: 4, streams: 2 },
  ];
  assert.deepEqual(b.place(shares, 3), { share: undefined, free: 2 });
  assert.deepEqual(
    b.place(
      [
        { pairs: 4, streams: 2 },
        { pairs: 5, streams: 1 },
      ],
      3,
    ),
    { share: 1, free: 4 },
  );

  // An admitted call that has not dialled yet holds its callees' pairs on its share; a stream being created counts.
  const empty = [
    { pairs: 4, streams: 0 },
    { pairs: 4, streams: 0 },
  ];
  b.admitted('c1', 'qc/caller', 0);
  b.creating(0); // c1's own stream
  assert.deepEqual(b.place(empty, 3), { share: 1, free: 4 }, 'share 0 has 1 pair left: 4 - 1 creating - 2 to dial');
  b.created(0);
  const afterCreate = [
    { pairs: 4, streams: 1 },
    { pairs: 4, streams: 0 },
  ];
  assert.equal(b.place(afterCreate, 4).share, 1);
  assert.equal(b.dialled('c1'), 0, "a dialled leg's stream goes to its call's share");
  b.creating(0);
  assert.equal(b.place(afterCreate, 3).free, 4, 'share 1 is the roomier: share 0 has 4 - 1 - 1 creating - 1 to dial');
  assert.equal(b.place([{ pairs: 4, streams: 1 }], 2).free, 1);
  b.created(0);
  b.ended('c1');
  assert.equal(b.place([{ pairs: 4, streams: 1 }], 3).share, 0, 'an ended call holds nothing; its live streams count through the engine');
});
