import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../src/util/index.js';

type Events = { ping: [n: number] };
class Pinger extends TypedEmitter<Events> {
  fire(n: number): boolean {
    return this.emit('ping', n);
  }
}

test('a throwing listener is logged and does not stop the others', () => {
  const logged: unknown[] = [];
  const p = new Pinger({ error: (obj: unknown) => void logged.push(obj) } as never);
  const seen: number[] = [];
  p.on('ping', () => {
    throw new Error('boom');
  });
  p.on('ping', (n) => seen.push(n));
  assert.equal(p.fire(7), true);
  assert.deepEqual(seen, [7]);
  assert.equal(logged.length, 1);
});
