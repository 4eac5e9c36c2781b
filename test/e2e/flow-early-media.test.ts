/**
 * Early media from a callee against sipp: the bridge dials a sipp UAS that answers 183 with SDP (PCMA, RTP to a
 * socket of this test) and never answers. The 183's SDP is applied to the far-end leg's stream, so RTP reaches that
 * address with that codec before any 2xx; the flow hears of it as ringing. Stopping the server then CANCELs it.
 */
// Media engine: both modes — the 183's SDP is applied to the far-end leg's engine stream, which sends the RTP the test checks.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';
import { startTestServer, transitionsOf, waitForRecord } from './flow-support.js';

const scenario = (name: string) => ({ file: fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url)) });

describe('early media (183 with SDP from the callee) against sipp', () => {
  it('the 183 answer is applied to the far-end leg: RTP flows to it before any 2xx', async () => {
    const farPort = await freePort();
    const rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', () => resolve()));
    const firstPacket = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no early RTP reached the 183 address')), 20_000);
      rtp.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
    const server = await startTestServer({
      apps: ['example-bridge'],
      config: { sets: [{ key: 'outbound_domain', value: `127.0.0.1:${farPort}` }] },
    });
    try {
      const far = await startSipp({
        scenario: scenario('flow-early-media-uas.xml'),
        port: farPort,
        keys: { rtphost: '127.0.0.1', rtpport: String(rtp.address().port) },
        timeoutSec: 30,
      });
      const caller = await startSipp({
        scenario: scenario('flow-503-uac.xml'),
        remote: `127.0.0.1:${server.sip.port}`,
        service: 'bob',
        timeoutSec: 30,
      });
      const first = await firstPacket;
      assert.equal(first[0]! >> 6, 2, 'RTP version 2');
      assert.equal(first[1]! & 0x7f, 8, 'PCMA: the codec of the 183 answer');
      const rec = await waitForRecord(server, (r) => r.flow === 'bridge' && transitionsOf(r).includes('far end rings'));
      assert.equal(rec.outcome, 'active', 'still ringing: no 2xx came');

      await server.stop(15_000);
      const [rc, rf] = await Promise.all([caller.done, far.done]);
      assert.equal(rc.code, 0, `caller expected 503: ${rc.errors.slice(0, 1500)}`);
      assert.equal(rf.code, 0, `far end expected CANCEL: ${rf.errors.slice(0, 1500)}`);
    } finally {
      await server.stop();
      rtp.close();
    }
  });
});
