/** Two (and three) streams in a room over loopback: known audio in, the other side receives it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPeer, buildRtp } from '../../../../test/support/rtp-peer.js';
import { testEngine, until } from './loopback-helpers.js';

/** µ-law frame k of a talker: all bytes distinct from silence (0xff/0x7f) and from other talkers. */
function frame(talker: number, k: number): Buffer {
  const b = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) b[i] = 0x10 + talker * 0x20 + (i % 0x1f); // never 0x7f (µ-law -0)
  b[0] = 0x80 + k; // frame number (k < 100: never 0xff)
  return b;
}

/** Send `frames` frames at 50 pps from `peer` to `port`. */
async function talk(peer: RtpPeer, port: number, talker: number, frames: number, ssrc: number): Promise<void> {
  const t0 = performance.now();
  for (let k = 0; k < frames; k++) {
    await peer.send(buildRtp({ pt: 0, seq: k, timestamp: k * 160, ssrc, marker: k === 0, payload: frame(talker, k) }), port);
    const due = t0 + (k + 1) * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait)); // real-time pacing of the talker
  }
}

/** Index in `sent` of each received non-silent frame (-1 if it matches none). */
function matchFrames(received: Buffer[], talker: number, frames: number): number[] {
  const sent = Array.from({ length: frames }, (_, k) => frame(talker, k));
  return received
    .filter((p) => !p.every((b) => b === 0xff))
    .map((p) => {
      const i = sent.findIndex((s) => s.equals(p));
      if (i < 0 && process.env.DEBUG_ROOM) console.log(talker, p.subarray(0, 12), p.subarray(150));
      return i;
    });
}

test('two streams in a room hear each other, never themselves', async () => {
  const engine = await testEngine();
  const p1 = await RtpPeer.open();
  const p2 = await RtpPeer.open();
  try {
    const s1 = await engine.createStream({ inbandDtmf: false });
    const s2 = await engine.createStream({ inbandDtmf: false });
    s1.answer(p1.offer({ payloads: '0' }));
    s2.answer(p2.offer({ payloads: '0' }));
    s1.join('r1');
    s2.join('r1');
    assert.deepEqual(engine.roomMembers('r1').sort(), [s1.id, s2.id].sort());
    assert.equal(s1.room, 'r1');
    const N = 50;
    await Promise.all([talk(p1, s1.localPort, 1, N, 11), talk(p2, s2.localPort, 2, N, 22)]);
    await until(() => s1.stats.packetsIn === N && s2.stats.packetsIn === N, 'all talk received');
    // Let the FIFO drain: the mixes keep flowing every tick.
    const goal = p1.packets.length + 10;
    await p1.waitFor(() => p1.packets.length >= goal && p2.packets.length >= goal, 10_000, 'drain');

    const heardBy2 = matchFrames(
      p2.packets.map((p) => p.payload),
      1,
      N,
    );
    const heardBy1 = matchFrames(
      p1.packets.map((p) => p.payload),
      2,
      N,
    );
    for (const [heard, who] of [
      [heardBy2, 'peer 2'],
      [heardBy1, 'peer 1'],
    ] as const) {
      assert.ok(!heard.includes(-1), `${who} got only the other talker's frames (never its own, never a mangled mix)`);
      assert.ok(heard.length >= N * 0.9, `${who} heard ${heard.length}/${N} frames`);
      for (let i = 1; i < heard.length; i++) assert.ok(heard[i]! > heard[i - 1]!, `${who}: in order`);
    }
    // Leave: a room of one hears silence.
    s1.leave();
    assert.deepEqual(engine.roomMembers('r1'), [s2.id]);
    const mark = p2.packets.length;
    await talk(p1, s1.localPort, 1, 10, 11);
    await p2.waitFor(() => p2.packets.length >= mark + 15, 10_000, 'packets after leave');
    assert.ok(
      p2.packets.slice(mark + 1).every((p) => p.payload.every((b) => b === 0xff)),
      'silence in a room of one',
    );
  } finally {
    p1.close();
    p2.close();
    await engine.close();
  }
});

test('three in a room: the silent member hears the sum of the two talkers', async () => {
  const engine = await testEngine();
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
  try {
    const streams = await Promise.all(peers.map(() => engine.createStream({ inbandDtmf: false })));
    streams.forEach((s, i) => {
      s.answer(peers[i]!.offer({ payloads: '0' }));
      s.join('r3');
    });
    // Two talkers send a constant level (µ-law 0x9f ≈ -1 Ki... decoded), the third is quiet.
    const tone = (byte: number, ssrc: number, peer: RtpPeer, port: number) =>
      (async () => {
        for (let k = 0; k < 40; k++) {
          await peer.send(buildRtp({ pt: 0, seq: k, timestamp: k * 160, ssrc, payload: Buffer.alloc(160, byte) }), port);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
    await Promise.all([tone(0xa0, 1, peers[0]!, streams[0]!.localPort), tone(0xb0, 2, peers[1]!, streams[1]!.localPort)]);
    await until(() => streams[1]!.stats.packetsIn === 40 && streams[0]!.stats.packetsIn === 40, 'talk received');
    const { decode } = await import('../../src/media/g711.js');
    const a = decode('PCMU', Buffer.from([0xa0]))[0]!;
    const b = decode('PCMU', Buffer.from([0xb0]))[0]!;
    const sumCode = (await import('../../src/media/g711.js')).encode('PCMU', new Int16Array([a + b]))[0]!;
    await peers[2]!.waitFor(() => peers[2]!.packets.some((p) => p.payload.every((x) => x === sumCode)), 10_000, 'sum');
    assert.ok(!peers[0]!.packets.some((p) => p.payload.every((x) => x === sumCode)), 'talker 1 does not hear itself');
  } finally {
    peers.forEach((p) => p.close());
    await engine.close();
  }
});
