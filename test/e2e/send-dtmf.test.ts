/**
 * Outgoing DTMF end to end, against independent peers: example-ivr reads back the digits typed so far when the
 * caller presses `*` (flow building block `sendDtmf`).
 * - sipp is the caller, its SDP names a test-owned RTP socket and offers telephone-event at PT 101 or 96; the
 *   socket decodes the RFC 4733 packets the server sends (marker, timestamp, E bit, duration, PT). Offered PCMU
 *   or PCMA alone, the read-back comes as in-band tones, found by a Goertzel written in the test support.
 * - baresip is the caller (a real phone): it types with `sndcode` and reports the keys it receives.
 * After each call the registry has no active call and no media stream is left.
 */
// Media engine: both modes — the RFC 4733 events and in-band tones it decodes are made by the media engine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { Baresip } from '../support/baresip.js';
import { RtpPeer, inbandDtmfFrames, inbandDtmfPresses, rfc4733Events, type RtpPacketInfo } from '../support/rtp-peer.js';
import { startSipp } from '../support/sipp.js';
import { startTestServer, transitionsOf, waitForIdle, waitForRecord } from './flow-support.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
/** example-ivr's read-back: 120 ms per key = 6 frames = 960 ticks of 8 kHz. */
const READ_BACK_TICKS = 960;
/** The caller types 1 2 * 3 * 4: the IVR reads back "12", then "123", then the code is complete. */
const READ_BACK_TRANSITIONS = [
  'got INVITE',
  'first key',
  'one more key',
  'read back',
  'one more key',
  'read back',
  'one more key',
  'code complete',
  'code right',
  'said goodbye',
];

describe('sendDtmf end to end: example-ivr reads back the typed digits', () => {
  let server: RunningServer;

  before(async () => {
    server = await startTestServer({
      apps: ['example-ivr'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  /** One sipp call typing 1 2 * 3 * 4, its SDP offering `codecs`; returns what the server sent to the test's RTP socket. */
  async function readBackCall(service: string, codecs: string, tept = 101): Promise<RtpPacketInfo[]> {
    const peer = await RtpPeer.open();
    try {
      const sipp = await startSipp({
        scenario: { file: scenario('send-dtmf-readback-uac.xml') },
        remote: `127.0.0.1:${server.sip.port}`,
        service,
        keys: { rtp_port: String(peer.port), codecs, tept: String(tept) },
        timeoutSec: 40,
      });
      const res = await sipp.done;
      assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 2000)}`);
      await waitForIdle(server);
      const record = await waitForRecord(server, (r) => r.requestUri.startsWith(`sip:${service}@`) && r.state === 'END');
      assert.deepEqual(transitionsOf(record), READ_BACK_TRANSITIONS);
      assert.equal(record.outcome, 'completed');
      assert.equal(server.media.streamCount, 0, 'media stream closed');
      return peer.packets;
    } finally {
      peer.close();
    }
  }

  for (const pt of [101, 96]) {
    it(`sipp caller (INFO keys 1 2 * 3 * 4): RFC 4733 read-backs "12" then "123" at the offered PT ${pt}`, async () => {
      const fromServer = await readBackCall(`4${pt}`, `0 ${pt}`, pt);
      assert.deepEqual(
        [...new Set(fromServer.map((p) => p.pt))].sort((a, b) => a - b),
        [0, pt],
        'only PCMU and telephone-events at the offered PT',
      );
      const events = rfc4733Events(fromServer, pt);
      assert.equal(events.map((e) => e.key).join(''), '12123', 'the read-backs, in order');
      const audioSsrc = fromServer.find((p) => p.pt === 0)!.ssrc;
      for (const [i, e] of events.entries()) {
        const what = `event ${i} (${e.key})`;
        assert.deepEqual(
          e.packets.map((p) => p.marker),
          e.packets.map((_, k) => k === 0),
          `${what}: marker on its first packet only`,
        );
        assert.ok(
          e.packets.every((p) => p.ssrc === audioSsrc),
          `${what}: the audio's SSRC`,
        );
        assert.ok(
          e.packets.every((p, k) => k === 0 || p.seq === ((e.packets[k - 1]!.seq + 1) & 0xffff)),
          `${what}: consecutive sequence numbers`,
        );
        // Updates with a growing duration, then the end packet (E bit) 3 times with the final duration.
        const firstEnd = e.ends.indexOf(true);
        assert.ok(firstEnd > 0, `${what}: updates before the end: ${JSON.stringify(e.ends)}`);
        assert.deepEqual(e.ends.slice(firstEnd), [true, true, true], `${what}: 3 end packets, last`);
        assert.deepEqual(e.durations.slice(firstEnd), [READ_BACK_TICKS, READ_BACK_TICKS, READ_BACK_TICKS], `${what}: final duration 120 ms`);
        const updates = e.durations.slice(0, firstEnd);
        assert.ok(
          updates.every((d, k) => k === 0 || d > updates[k - 1]!) && updates.at(-1)! < READ_BACK_TICKS,
          `${what}: growing durations ${updates.join(',')}`,
        );
        if (i > 0) {
          const prev = events[i - 1]!;
          const gapTicks = (e.timestamp - prev.timestamp - READ_BACK_TICKS) >>> 0;
          assert.ok(gapTicks >= 800 && gapTicks < 8000 * 10, `${what}: starts after the previous one and its 100 ms gap (${gapTicks} ticks)`);
        }
      }
    });
  }

  for (const [codec, pt] of [
    ['PCMU', 0],
    ['PCMA', 8],
  ] as const) {
    it(`sipp caller offering ${codec} without telephone-event: the read-backs are in-band tones, 120 ms each`, async () => {
      const fromServer = await readBackCall(`48${pt}`, String(pt));
      assert.deepEqual([...new Set(fromServer.map((p) => p.pt))], [pt], `only ${codec}, no telephone-event`);
      const presses = inbandDtmfPresses(inbandDtmfFrames(fromServer, pt, codec));
      assert.equal(presses.map((p) => p.key).join(''), '12123', JSON.stringify(presses));
      assert.deepEqual(
        presses.map((p) => p.frames),
        [6, 6, 6, 6, 6],
        'each tone lasts 6 frames of 20 ms',
      );
    });
  }

  it('baresip calls, types 12* then 3* then 4 (sndcode): it receives "12" then "123", then the IVR hangs up', async () => {
    const phone = await Baresip.start({ user: 'alice' });
    try {
      const service = '47';
      const dialled = await phone.dial(`sip:${service}@127.0.0.1:${server.sip.port}`);
      assert.equal(dialled.ok, true, JSON.stringify(dialled));
      await phone.event('CALL_ESTABLISHED');
      assert.equal((await phone.sndcode('12*')).ok, true);
      assert.equal(await phone.waitForDtmf(2), '12');
      assert.equal((await phone.sndcode('3*')).ok, true);
      assert.equal(await phone.waitForDtmf(5), '12123');
      assert.equal((await phone.sndcode('4')).ok, true);
      await phone.event('CALL_CLOSED');
      await waitForIdle(server);
      const record = await waitForRecord(server, (r) => r.requestUri.startsWith(`sip:${service}@`) && r.state === 'END');
      assert.deepEqual(transitionsOf(record), READ_BACK_TRANSITIONS);
      assert.equal(record.outcome, 'completed');
      assert.equal(phone.dtmfReceived, '12123', 'nothing more arrived');
      const ends = phone.events.filter((e) => e.event === true && e.type === 'CALL_DTMF_END').length;
      assert.equal(ends, 5, 'each key it received also ended');
      assert.equal(server.media.streamCount, 0, 'media stream closed');
    } finally {
      await phone.stop();
    }
  });
});
