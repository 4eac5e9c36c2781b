import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { TcpConnectionTable, type CloseReason } from '../../src/sip/tcp-limits.js';

function fakeSocket(): Socket & { destroyed: boolean } {
  const sock = { destroyed: false, destroy: () => void (sock.destroyed = true) };
  return sock as unknown as Socket & { destroyed: boolean };
}

function table(limits: ConstructorParameters<typeof TcpConnectionTable>[0], busy = new Set<string>()) {
  const closed: Array<[string, CloseReason]> = [];
  const t = new TcpConnectionTable(
    limits,
    () => busy,
    (id, _source, reason) => closed.push([id, reason]),
  );
  return { t, closed, busy };
}

test('a connection carrying a call is neither idle-closed nor evicted; without one it is', () => {
  const { t, closed, busy } = table({ maxConnections: 2, idleTimeoutMs: 1000, readTimeoutMs: 500 });
  try {
    const a = fakeSocket();
    const b = fakeSocket();
    t.add('a', a, '10.0.0.1');
    t.add('b', b, '10.0.0.2');
    busy.add('a');
    t.sweep(Date.now() + 1500);
    assert.deepEqual(closed, [['b', 'idle timeout']]);
    assert.equal(a.destroyed, false);
    t.add('c', fakeSocket(), '10.0.0.3');
    busy.add('c');
    assert.deepEqual(t.admit('10.0.0.4'), { ok: false, reason: 'connection cap' }, 'every connection carries a call');
    busy.delete('a');
    assert.deepEqual(t.admit('10.0.0.4'), { ok: true });
    assert.equal(a.destroyed, true, 'the idle one made room');
  } finally {
    t.stop();
  }
});

test('read timeout counts from the first byte of the incomplete message, not from the last', () => {
  const { t, closed } = table({ readTimeoutMs: 500, idleTimeoutMs: 60_000 });
  try {
    t.add('a', fakeSocket(), '10.0.0.1');
    const start = Date.now();
    t.touch('a', true);
    t.touch('a', true); // a trickle does not extend it
    t.sweep(start + 400);
    assert.deepEqual(closed, []);
    t.sweep(start + 600);
    assert.deepEqual(closed, [['a', 'read timeout']]);
    t.add('b', fakeSocket(), '10.0.0.1');
    t.touch('b', true);
    t.touch('b', false);
    t.sweep(start + 5000);
    assert.equal(closed.length, 1, 'a completed message clears it');
    assert.equal(t.size, 1);
  } finally {
    t.stop();
  }
});

test('per-source cap counts open connections of that source only', () => {
  const { t } = table({ maxPerSource: 2 });
  try {
    const s1 = fakeSocket();
    t.add('1', s1, '10.0.0.1');
    t.add('2', fakeSocket(), '10.0.0.1');
    assert.deepEqual(t.admit('10.0.0.1'), { ok: false, reason: 'per-source cap' });
    assert.deepEqual(t.admit('10.0.0.2'), { ok: true });
    t.remove('1', s1);
    assert.deepEqual(t.admit('10.0.0.1'), { ok: true });
  } finally {
    t.stop();
  }
});
