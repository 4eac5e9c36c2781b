import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rfc4733Receiver } from '../../src/media/dtmf-rfc4733.js';
import { DtmfArbiter } from '../../src/media/dtmf-arbiter.js';
import { parseDtmfRelay, parseDtmfInfo } from '../../src/media/dtmf-relay.js';
import { telephoneEventPayload } from '../../../../test/support/rtp-peer.js';

/** Packets of one press: 3 updates, then the end packet 3 times, all with the event's timestamp. */
function press(rx: Rfc4733Receiver, event: number, ts: number) {
  for (const d of [160, 320, 480]) {
    const p = telephoneEventPayload(event, false, d);
    rx.onPacket(ts, p, 0, p.length);
  }
  for (let i = 0; i < 3; i++) {
    const p = telephoneEventPayload(event, true, 800);
    rx.onPacket(ts, p, 0, p.length);
  }
}

test('end packets retransmitted 3 times report once; 1-1-2-2-3 are five presses', () => {
  const got: string[] = [];
  const rx = new Rfc4733Receiver((k, ms) => got.push(`${k}:${ms}`));
  let ts = 1000;
  for (const e of [1, 1, 2, 2, 3]) {
    press(rx, e, ts);
    ts += 1600;
  }
  assert.deepEqual(got, ['1:100', '1:100', '2:100', '2:100', '3:100']);
});

test('a late retransmission of an already reported event is ignored', () => {
  const got: string[] = [];
  const rx = new Rfc4733Receiver((k) => got.push(k));
  press(rx, 4, 100);
  press(rx, 5, 2000);
  const late = telephoneEventPayload(4, true, 800);
  rx.onPacket(100, late, 0, 4);
  assert.deepEqual(got, ['4', '5']);
});

test('an event whose end packets are all lost is reported when the next one starts', () => {
  const got: string[] = [];
  const rx = new Rfc4733Receiver((k) => got.push(k));
  const start = telephoneEventPayload(7, false, 160);
  rx.onPacket(500, start, 0, 4);
  press(rx, 8, 5000);
  assert.deepEqual(got, ['7', '8']);
});

test('keys * # A-D, and short or non-DTMF payloads ignored', () => {
  const got: string[] = [];
  const rx = new Rfc4733Receiver((k) => got.push(k));
  [10, 11, 12, 15].forEach((e, i) => press(rx, e, 100 + i * 1000));
  rx.onPacket(9000, Buffer.from([1, 0x80]), 0, 2); // too short
  press(rx, 16, 20000); // flash: not a key
  assert.deepEqual(got, ['*', '#', 'A', 'D']);
});

test('arbiter: once RFC 4733 is seen, in-band reports are suppressed', () => {
  const a = new DtmfArbiter();
  assert.equal(a.offer('1', 'inband', 0), true);
  a.noteSource('rfc4733');
  assert.equal(a.accepts('inband'), false);
  assert.equal(a.offer('2', 'inband', 5000), false);
  assert.equal(a.offer('2', 'rfc4733', 5000), true);
  assert.equal(a.offer('2', 'rfc4733', 5200), true); // a second press of the same key
});

test('arbiter: a takeover on the same key within 1 s is the same press', () => {
  const a = new DtmfArbiter();
  assert.equal(a.offer('5', 'inband', 1000), true);
  assert.equal(a.offer('5', 'info', 1100), false); // same press, seen by INFO too
  assert.equal(a.offer('5', 'info', 1400), true); // next press
  assert.equal(a.offer('6', 'inband', 1500), false); // in-band now ignored
  assert.equal(a.source, 'info');
});

test('dtmf-relay bodies', () => {
  assert.deepEqual(parseDtmfRelay('Signal=5\r\nDuration=160\r\n'), { key: '5', durationMs: 160 });
  assert.deepEqual(parseDtmfRelay('signal= #\nduration=250'), { key: '#', durationMs: 250 });
  assert.deepEqual(parseDtmfRelay('Signal=10\r\n'), { key: '*' });
  assert.deepEqual(parseDtmfRelay('Signal=11'), { key: '#' });
  assert.deepEqual(parseDtmfRelay('Signal=a'), { key: 'A' });
  assert.equal(parseDtmfRelay('Signal=Z'), undefined);
  assert.equal(parseDtmfRelay(''), undefined);
  assert.deepEqual(parseDtmfInfo('application/dtmf-relay; charset=x', 'Signal=9'), { key: '9' });
  assert.deepEqual(parseDtmfInfo('application/dtmf', '7'), { key: '7' });
  assert.equal(parseDtmfInfo('text/plain', 'Signal=1'), undefined);
  assert.equal(parseDtmfInfo(undefined, 'Signal=1'), undefined);
});
