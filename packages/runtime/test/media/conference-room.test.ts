import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceRoom, mixNMinusOne, type RoomMember } from '../../src/media/conference-room.js';

function member(id: string, value: number, codec: string | undefined = undefined): RoomMember & { value: number; peer: RoomMember | undefined } {
  const m = {
    id,
    value,
    codec,
    peer: undefined as RoomMember | undefined,
    roomIn: new Int16Array(160),
    roomOut: new Int16Array(160),
    pullRoomAudio() {
      m.roomIn.fill(m.value);
    },
    relayFrame() {},
    pullRelayFrame(dst: Uint8Array, offset: number) {
      dst.fill(m.value, offset, offset + 160);
      return true;
    },
    setRelayPeer(peer: RoomMember | undefined) {
      m.peer = peer;
    },
  };
  return m;
}

test('two members on one codec relay (no mix); a third turns mixing on, its leaving turns relaying back on', () => {
  const room = new ConferenceRoom('r');
  const a = member('a', 100, 'PCMU');
  const b = member('b', 20, 'PCMU');
  room.add(a);
  room.add(b);
  room.mix();
  assert.equal(room.relaying, true);
  assert.equal(a.peer, b);
  assert.equal(b.peer, a);
  assert.ok(
    a.roomOut.every((v) => v === 0),
    'no mix written while relaying',
  );
  const c = member('c', -3, 'PCMU');
  room.add(c);
  assert.equal(a.peer, undefined, 'relay stops as soon as a third member joins');
  room.mix();
  assert.equal(room.relaying, false);
  assert.ok(a.roomOut.every((v) => v === 17));
  room.remove(c);
  room.mix();
  assert.equal(room.relaying, true);
  assert.equal(a.peer, b);
  room.remove(b);
  assert.equal(a.peer, undefined);
  assert.equal(b.peer, undefined);
});

test('two members on different codecs (or before SDP) mix; relay can be turned off', () => {
  const room = new ConferenceRoom('r');
  room.add(member('a', 1, 'PCMU'));
  room.add(member('b', 2, 'PCMA'));
  room.mix();
  assert.equal(room.relaying, false);
  const off = new ConferenceRoom('r2', { relay: false });
  off.add(member('a', 1, 'PCMU'));
  off.add(member('b', 2, 'PCMU'));
  off.mix();
  assert.equal(off.relaying, false);
  const early = new ConferenceRoom('r3');
  early.add(member('a', 1));
  early.add(member('b', 2));
  early.mix();
  assert.equal(early.relaying, false);
});

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
