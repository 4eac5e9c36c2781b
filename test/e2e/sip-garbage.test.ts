/**
 * Garbage in: thousands of random, truncated and mutated datagrams, and some broken TCP streams, thrown at a stack;
 * then a normal sipp call still works. Nothing crashes, each malformed message costs exactly one warn line.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SipStack } from '../../packages/runtime/src/sip/index.js';
import { captureLogger, seededRandom, staticSdp } from '../../packages/runtime/test/sip/helpers.js';
import { RawPeer, request } from '../../packages/runtime/test/sip/raw-peer.js';
import { startSipp } from '../support/sipp.js';

const DATAGRAMS = 3000;

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pred()) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return pred();
}

describe('garbage datagrams and streams', () => {
  let stack: SipStack;
  let peer: RawPeer;
  const captured = captureLogger('warn');

  before(async () => {
    peer = await RawPeer.open();
    stack = await SipStack.start({ port: 0, logger: captured.logger });
    stack.onInvite((call) => call.answer(staticSdp()));
  });
  after(async () => {
    await stack.stop();
    await peer.close();
  });

  it('survives them, logs each malformed one once, and still completes a sipp call', async () => {
    const random = seededRandom(4242);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    const templates = ['INVITE', 'BYE', 'OPTIONS', 'ACK', 'CANCEL', 'INFO'].map((method, i) =>
      request({
        method,
        ruri: `sip:g@127.0.0.1:${stack.address.port}`,
        branch: `z9hG4bK-g${i}`,
        callId: `garbage-${i}`,
        cseq: 1,
        fromTag: `g${i}`,
        toTag: method === 'INVITE' || method === 'OPTIONS' ? undefined : 'x',
        peerPort: peer.port,
        body: method === 'INVITE' ? staticSdp() : '',
      }),
    );
    templates.push('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKnope\r\nCSeq: 1 INVITE\r\n\r\n');
    const datagrams: Buffer[] = [];
    for (let i = 0; i < DATAGRAMS; i++) {
      const kind = i % 3;
      if (kind === 0) {
        // Random bytes.
        const b = Buffer.alloc(1 + Math.floor(random() * 1400));
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(random() * 256);
        datagrams.push(b);
      } else if (kind === 1) {
        // A valid message cut short.
        const t = pick(templates);
        datagrams.push(Buffer.from(t.slice(0, 1 + Math.floor(random() * (t.length - 1)))));
      } else {
        // A valid message with its lines shuffled, dropped or corrupted.
        const lines = pick(templates).split('\r\n');
        const n = 1 + Math.floor(random() * 3);
        for (let k = 0; k < n; k++) {
          const at = Math.floor(random() * lines.length);
          const op = random();
          if (op < 0.3) lines.splice(at, 1);
          else if (op < 0.6) lines[at] = (lines[at] ?? '').replace(/[:;=<>@ ]/g, () => pick(['', ':', ';;', '\u0000', '%', ' ']));
          else if (op < 0.8) lines[at] = (lines[at] ?? '') + pick([';branch=', ' <sip:', '\u00ff\u00fe', ',,,', ' SIP/3.0']);
          else lines.splice(at, 0, pick(['Via: garbage', 'CSeq: x', 'Content-Length: 99999', 'From: <>', ': :']));
        }
        datagrams.push(Buffer.from(lines.join('\r\n')));
      }
    }
    const in0 = stack.stats.messagesIn;
    for (let i = 0; i < datagrams.length; i += 100) {
      await Promise.all(
        datagrams.slice(i, i + 100).map((d) => new Promise<void>((resolve) => peer.socket.send(d, stack.address.port, '127.0.0.1', () => resolve()))),
      );
      // Let the stack drain its socket before the next batch (loopback UDP drops what overflows the buffer).
      await until(() => stack.stats.messagesIn - in0 >= Math.min(i + 100, datagrams.length) * 0.98, 10000);
    }

    // TCP: random bytes, a header block with no Content-Length, an endless header block, a message cut mid-body.
    const streams: Buffer[] = [
      Buffer.from(Array.from({ length: 3000 }, () => Math.floor(random() * 256))),
      Buffer.from('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKt\r\n\r\n'),
      Buffer.from('INVITE sip:x@127.0.0.1 SIP/2.0\r\n' + 'X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(2000)),
      Buffer.from(templates[0]!.slice(0, templates[0]!.length - 30)),
    ];
    await Promise.all(
      streams.map(
        (data) =>
          new Promise<void>((resolve) => {
            const sock = connect({ host: '127.0.0.1', port: stack.address.port }, () => {
              sock.write(data);
              // A truncated message just waits for more: we end it ourselves.
              setTimeout(() => sock.destroy(), 500).unref();
            });
            sock.on('error', () => resolve());
            sock.on('close', () => resolve());
          }),
      ),
    );

    const malformedLines = captured.records.filter((r) => r.msg === 'sip: malformed message dropped').length;
    const streamLines = captured.records.filter((r) => r.msg === 'sip: malformed TCP stream, closing connection').length;
    assert.ok(stack.stats.malformedDropped >= DATAGRAMS / 3, `only ${stack.stats.malformedDropped} counted malformed`);
    assert.equal(malformedLines + streamLines, stack.stats.malformedDropped, 'one warn line per malformed message');
    assert.equal(streamLines, 3, 'three broken TCP streams closed');
    assert.ok(captured.records.length <= DATAGRAMS + streams.length, 'no message logged twice');
    assert.equal(captured.records.filter((r) => Number(r.level) >= 50).length, 0, 'no error-level log');

    const sipp = await startSipp({
      scenario: { builtin: 'uac' },
      remote: `127.0.0.1:${stack.address.port}`,
      calls: 3,
      timeoutSec: 30,
    });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed after the garbage: ${res.errors.slice(0, 1500)}`);
    assert.equal(res.stats['SuccessfulCall(C)'], '3');
  });
});
