/** The RTP sockets' lookup: once armed, IPv4 literals are answered inside the call (a send leaves at once). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { SendAddressLookup, bindMediaSocket } from '../../src/media/send-address-lookup.js';

function lookUp(l: SendAddressLookup, hostname: string): { sync: boolean; answer: Promise<string> } {
  let sync = false;
  let done = false;
  const answer = new Promise<string>((resolve, reject) =>
    l.lookup(hostname, 4, (err, address) => {
      if (!done) sync = true;
      if (err) reject(err);
      else resolve(address);
    }),
  );
  done = true;
  return { sync, answer };
}

test('armed, an IPv4 literal is answered before the lookup returns, the first time and from the memo', async () => {
  const l = new SendAddressLookup();
  const before = lookUp(l, '127.0.0.1');
  assert.equal(before.sync, false, 'before arm() (the bind) it is dns.lookup, asynchronous');
  assert.equal(await before.answer, '127.0.0.1');
  l.arm();
  for (const address of ['127.0.0.1', '127.0.0.1', '127.0.0.2']) {
    const r = lookUp(l, address);
    assert.equal(r.sync, true, address);
    assert.equal(await r.answer, address);
  }
});

test('armed, a host name still goes to dns.lookup', async () => {
  const l = new SendAddressLookup();
  l.arm();
  const r = lookUp(l, 'localhost');
  assert.equal(r.sync, false);
  assert.equal(await r.answer, '127.0.0.1');
});

test('a media socket (bindMediaSocket) sends inside send(): the datagram is in the kernel before send() returns', async () => {
  const rx = createSocket('udp4');
  rx.bind(0, '127.0.0.1');
  await once(rx, 'listening');
  const tx = await bindMediaSocket('127.0.0.1', 0);
  try {
    const buf = Buffer.from('first');
    tx.send(buf, rx.address().port, '127.0.0.1');
    // Rewritten at once: with dgram's default lookup the packet would leave a tick later, carrying the new bytes.
    buf.write('later');
    const [msg] = (await once(rx, 'message')) as [Buffer];
    assert.equal(msg.toString(), 'first');
  } finally {
    rx.close();
    tx.close();
  }
});
