/**
 * Delayed offer (RFC 3261 §13.2.1) against sipp: an INVITE without SDP is answered with OUR offer in the 200, the
 * caller's answer comes in the ACK and is applied — RTP goes to the address and codec of that answer (a UDP socket
 * of this test, PCMA only). An ACK without the answer ends the call with BYE.
 */
// Media engine: both modes — the ACK's SDP answer is applied to the leg's engine stream, which sends the RTP the test checks.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';
import { startTestServer, transitionsOf, waitForIdle, waitForRecord } from './flow-support.js';
import { metricValue } from '../support/metrics.js';

/** One 20 ms PCMA RTP packet (silence). */
function rtpPacket(seq: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xd5);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0x5eed, 8);
  return b;
}

const scenario = (name: string) => ({ file: fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url)) });

describe('delayed offer (INVITE without SDP) against sipp', () => {
  let server: RunningServer;
  let rtp: Socket;
  const packets: Buffer[] = [];
  let firstPacket: Promise<Buffer>;

  before(async () => {
    server = await startTestServer({
      apps: ['example-ivr'],
      admin: { host: '127.0.0.1', port: await freePort() },
      // The IVR hangs up after this many seconds without a key: sipp just waits for the BYE.
      config: { sets: [{ key: 'digit_timeout', value: '3' }] },
    });
    rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', () => resolve()));
    firstPacket = new Promise((resolve) =>
      rtp.on('message', (msg, from) => {
        packets.push(msg);
        if (packets.length !== 1) return;
        resolve(msg);
        // Symmetric RTP: a few PCMA packets back to where the server's stream sends from (counted in /metrics).
        for (let i = 0; i < 5; i++) rtp.send(rtpPacket(i), from.port, from.address);
      }),
    );
  });
  afterEach(async () => {
    await waitForIdle(server);
    assert.equal(server.media.streamCount, 0, 'every media stream closed');
  });
  after(async () => {
    await server?.stop();
    rtp?.close();
  });

  it('our 200 carries the offer, the ACK the answer; RTP flows to the answer address with its codec', async () => {
    const sipp = await startSipp({
      scenario: scenario('flow-delayed-offer-uac.xml'),
      remote: `127.0.0.1:${server.sip.port}`,
      service: '35',
      keys: { rtphost: '127.0.0.1', rtpport: String(rtp.address().port) },
      timeoutSec: 40,
    });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp (expects an offer in the 200, then the BYE): ${res.errors.slice(0, 2000)}`);
    const first = await Promise.race([
      firstPacket,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no RTP reached the answer address')), 20_000).unref()),
    ]);
    assert.equal(first[0]! >> 6, 2, 'RTP version 2');
    assert.equal(first[1]! & 0x7f, 8, 'PCMA: the codec of the answer in the ACK');
    assert.ok(packets.length > 10, `the welcome prompt was streamed (${packets.length} packets)`);
    await waitForIdle(server);
    const rec = server.registry.list({ ended: true }).at(-1)!;
    assert.equal(rec.outcome, 'completed');
    assert.deepEqual(transitionsOf(rec).slice(0, 1), ['got INVITE']);
    assert.deepEqual(transitionsOf(rec).slice(-1), ['no key pressed']);

    // The admin /metrics counts the call's RTP both ways (the engine's counters, read without a cast).
    const metrics = await (await fetch(`http://127.0.0.1:${server.admin!.port}/metrics`)).text();
    const value = (series: string) => metricValue(metrics, series);
    assert.ok(value('sipflow_rtp_packets_total{direction="out"}') > 10, metrics);
    assert.ok(value('sipflow_rtp_packets_total{direction="in"}') >= 1, metrics);
  });

  it('an ACK without the answer: the server ends the call with BYE', async () => {
    const before = server.registry.list({ ended: true }).length;
    const sipp = await startSipp({
      scenario: scenario('flow-delayed-offer-noanswer-uac.xml'),
      remote: `127.0.0.1:${server.sip.port}`,
      service: '35',
      timeoutSec: 30,
    });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp (expects the BYE): ${res.errors.slice(0, 2000)}`);
    const rec = await waitForRecord(server, (r) => r.outcome !== 'active' && server.registry.list({ ended: true }).indexOf(r) >= before);
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.endReason, 'BAD_SDP');
  });
});
