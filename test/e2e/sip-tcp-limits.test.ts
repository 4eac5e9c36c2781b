/**
 * SIP over TCP under abuse, against the real server on loopback (small limits so that the test is quick; the
 * defaults are in docs/sip.md):
 *   - idle connections from one source stop at its per-source cap; when the server is full, a new client gets in
 *     and the longest-idle connection is the one closed;
 *   - half an INVITE, then silence: closed after the read timeout; a complete message does not start it;
 *   - a connection without traffic is closed after the idle timeout;
 *   - a message larger than the maximum closes the connection; one within it is answered.
 */
// Media engine: one pass only — it sends OPTIONS and half messages over TCP: no call is made, so no media stream exists.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { TcpLimits } from '../../packages/runtime/src/sip/index.js';
import { startTestServer } from './flow-support.js';

interface Client {
  sock: Socket;
  closed: Promise<number>;
  /** Everything received so far. */
  text(): string;
}

/** A TCP client from `localAddress` (another loopback address is "another host"); `closed` resolves at its close. */
async function open(port: number, localAddress = '127.0.0.1'): Promise<Client> {
  const sock = connect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  sock.on('data', (b: Buffer) => (received += b.toString('utf8')));
  sock.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => sock.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return { sock, closed, text: () => received };
}

function options(client: Client, serverPort: number, padding = 0): string {
  const body = 'x'.repeat(padding);
  return [
    `OPTIONS sip:127.0.0.1:${serverPort};transport=tcp SIP/2.0`,
    `Via: SIP/2.0/TCP 127.0.0.1:${client.sock.localPort};branch=z9hG4bK-${randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:127.0.0.1:${serverPort}>`,
    `Call-ID: ${randomBytes(8).toString('hex')}@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    ...(padding ? ['Content-Type: text/plain'] : []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

/** Send OPTIONS on the connection, resolve with the status line of its answer. */
async function ask(client: Client, serverPort: number): Promise<string> {
  const mark = client.text().length;
  client.sock.write(options(client, serverPort));
  while (!/SIP\/2\.0 \d{3} [^\r\n]*\r\n/.test(client.text().slice(mark))) {
    await Promise.race([
      new Promise((resolve) => client.sock.once('data', resolve)),
      client.closed.then(() => assert.fail('closed before answering')),
    ]);
  }
  return /SIP\/2\.0 \d{3} [^\r\n]*/.exec(client.text().slice(mark))![0];
}

function server(sipTcp: Partial<TcpLimits>) {
  return startTestServer({ apps: ['example-ivr'], sipTcp });
}

describe('SIP over TCP: connection caps, timeouts and message size (real server)', () => {
  it('per-source cap, then at the global cap the longest-idle connection makes room for a new client', async () => {
    const s = await server({ maxConnections: 8, maxPerSource: 4, idleTimeoutMs: 60_000, readTimeoutMs: 60_000 });
    const clients: Client[] = [];
    try {
      const port = s.sip.port;
      for (let i = 0; i < 4; i++) clients.push(await open(port, '127.0.0.1'));
      const fifth = await open(port, '127.0.0.1');
      await fifth.closed; // over 127.0.0.1's cap: closed at once
      assert.equal(fifth.text(), '');
      for (let i = 0; i < 4; i++) clients.push(await open(port, '127.0.0.2'));
      // Full (8). The first connection made is the longest idle; everyone else spoke more recently.
      for (const c of clients.slice(1)) assert.match(await ask(c, port), /^SIP\/2\.0 200 /);
      const newcomer = await open(port, '127.0.0.3');
      clients.push(newcomer);
      assert.match(await ask(newcomer, port), /^SIP\/2\.0 200 /, 'a new client gets in and is answered');
      await clients[0]!.closed;
      for (const c of clients.slice(1)) assert.equal(c.sock.destroyed, false, 'only the longest-idle connection was closed');
      assert.match(await ask(clients[1]!, port), /^SIP\/2\.0 200 /);
    } finally {
      for (const c of clients) c.sock.destroy();
      await s.stop();
    }
  });

  it('read timeout on half a message, idle timeout, and the largest message', async () => {
    const limits = { idleTimeoutMs: 2000, readTimeoutMs: 500, maxMessageBytes: 2048 };
    const s = await server(limits);
    const clients: Client[] = [];
    try {
      const port = s.sip.port;
      // Half an INVITE, then silence.
      const half = await open(port);
      clients.push(half);
      const complete = await open(port);
      clients.push(complete);
      const sentAt = Date.now();
      half.sock.write(options(half, port).replace('OPTIONS', 'INVITE').slice(0, 120));
      assert.match(await ask(complete, port), /^SIP\/2\.0 200 /);
      const answeredAt = Date.now();
      const halfClosedAt = await half.closed;
      assert.ok(halfClosedAt - sentAt >= limits.readTimeoutMs - 50, `closed after the read timeout (${halfClosedAt - sentAt} ms)`);
      assert.ok(halfClosedAt - sentAt < limits.idleTimeoutMs, `by the read timeout, not the idle one (${halfClosedAt - sentAt} ms)`);
      assert.equal(complete.sock.destroyed, false, 'a connection whose messages are complete stays');

      // Too large: closed, not answered; within the limit: answered.
      const big = await open(port);
      clients.push(big);
      big.sock.write(options(big, port, 4000));
      await big.closed;
      assert.equal(big.text(), '');
      const fits = await open(port);
      clients.push(fits);
      fits.sock.write(options(fits, port, 1000));
      await new Promise((resolve) => fits.sock.once('data', resolve));
      assert.match(fits.text(), /^SIP\/2\.0 200 /);

      // Idle: the complete connection's last traffic was its answer.
      const idleClosedAt = await complete.closed;
      assert.ok(idleClosedAt - answeredAt >= limits.idleTimeoutMs - 100, `closed after the idle timeout (${idleClosedAt - answeredAt} ms)`);
    } finally {
      for (const c of clients) c.sock.destroy();
      await s.stop();
    }
  });
});
