import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceRoom, mixNMinusOne, type RoomMember } from '../../src/media/conference-room.js';

function member(id: string, value: number): RoomMember & { value: number } {
  const m = {
    id,
    value,
    roomIn: new Int16Array(160),
    roomOut: new Int16Array(160),
    pullRoomAudio() {
      m.roomIn.fill(m.value);
    },
  };
  return m;
}

test('N-1: each member hears the sum of the others, never itself', () => {
  const room = new ConferenceRoom('r');
  const a = member('a', 100);
  const b = member('b', 20);
  const c = member('c', -3);
  for (const m of [a, b, c]) room.add(m);
  room.mix();
  assert.ok(a.roomOut.every((v) => v === 17));
  assert.ok(b.roomOut.every((v) => v === 97));
  assert.ok(c.roomOut.every((v) => v === 120));
  assert.deepEqual(room.memberIds, ['a', 'b', 'c']);
});

test('clipping saturates to int16 instead of wrapping', () => {
  const inputs = [new Int16Array(160).fill(30000), new Int16Array(160).fill(30000), new Int16Array(160).fill(30000)];
  const outputs = inputs.map(() => new Int16Array(160));
  mixNMinusOne(inputs, outputs, 3, new Int32Array(160));
  assert.ok(outputs.every((o) => o.every((v) => v === 32767)));
  const neg = [new Int16Array(160).fill(-30000), new Int16Array(160).fill(-30000), new Int16Array(160)];
  const out2 = neg.map(() => new Int16Array(160));
  mixNMinusOne(neg, out2, 3, new Int32Array(160));
  assert.ok(out2[2]!.every((v) => v === -32768));
  assert.ok(out2[0]!.every((v) => v === -30000));
});

test('a room of one hears silence; leaving and joining at any time', () => {
  const room = new ConferenceRoom('r');
  const a = member('a', 1234);
  room.add(a);
  a.roomOut.fill(99);
  room.mix();
  assert.ok(a.roomOut.every((v) => v === 0));
  const b = member('b', 7);
  room.add(b);
  room.mix();
  assert.ok(a.roomOut.every((v) => v === 7));
  assert.ok(b.roomOut.every((v) => v === 1234));
  room.remove(a);
  room.mix();
  assert.ok(b.roomOut.every((v) => v === 0));
  assert.equal(room.size, 1);
});
