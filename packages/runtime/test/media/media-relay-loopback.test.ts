/**
 * A two-party room relays on receive: each 20 ms frame one member's phone sends leaves through the other member as
 * soon as it arrives, under that member's header. What the far phone must see, whatever path sent each packet
 * (relay, the tick's gap-filling silence, outgoing DTMF, the FIFO for frames of other lengths): one SSRC, sequence
 * numbers without a gap, timestamps that never go back, and a marker on every talkspurt start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPeer, buildRtp, type RtpPacketInfo } from '../../../../test/support/rtp-peer.js';
import { testEngine, until } from './loopback-helpers.js';
import type { MediaEngine, MediaStream } from '../../src/media/index.js';

/** µ-law frame k (`bytes` long): never silence (0xff / 0x7f), its first byte numbers it. */
function frame(k: number, bytes = 160): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = 0x10 + (i % 0x1f);
  b[0] = 0x80 + (k % 0x70);
  return b;
}

const isSilence = (p: RtpPacketInfo) => p.pt === 0 && p.payload.every((x) => x === 0xff);
const isTalk = (p: RtpPacketInfo) => p.pt === 0 && !isSilence(p);

/** Send `count` frames from `peer` to `port`, paced in real time; `ts(k)` is frame k's timestamp. */
async function talk(
  peer: RtpPeer,
  port: number,
  count: number,
  ts: (k: number) => number,
  options: { bytes?: number; first?: number } = {},
): Promise<void> {
  const bytes = options.bytes ?? 160;
  const first = options.first ?? 0;
  const t0 = performance.now();
  for (let k = 0; k < count; k++) {
    const n = first + k;
    await peer.send(buildRtp({ pt: 0, seq: n, timestamp: ts(n), ssrc: 0x5eed, marker: n === 0, payload: frame(n, bytes) }), port);
    const wait = t0 + ((k + 1) * bytes) / 8 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** The far phone's view of one stream's packets: one SSRC, no sequence gap, timestamps strictly rising. */
function assertContinuous(packets: RtpPacketInfo[], who: string): void {
  assert.ok(packets.length > 1, `${who}: packets`);
  const ssrc = packets[0]!.ssrc;
  for (let i = 1; i < packets.length; i++) {
    const p = packets[i]!;
    const q = packets[i - 1]!;
    assert.equal(p.ssrc, ssrc, `${who}: one SSRC`);
    assert.equal(p.seq, (q.seq + 1) & 0xffff, `${who}: packet ${i} follows ${i - 1} in sequence`);
    // Telephone-event packets of one key share the event's timestamp; audio never goes back.
    const step = (p.timestamp - q.timestamp) | 0;
    if (p.pt === q.pt && p.pt !== 0) assert.ok(step >= 0, `${who}: event timestamps at ${i}`);
    else assert.ok(step > 0, `${who}: timestamp rises at packet ${i} (${q.timestamp} → ${p.timestamp}, pt ${q.pt} → ${p.pt})`);
  }
}

interface RelayingPair {
  engine: MediaEngine;
  a: MediaStream;
  b: MediaStream;
  /** Sends to `a`. */
  talker: RtpPeer;
  /** Hears `b`. */
  listener: RtpPeer;
}

/**
 * Two streams in room 'r', each answering its own peer's offer (`payloads`); runs `body` once the room relays, and
 * closes the peers and the engine whatever happens (a failed setup included).
 */
async function withRelayingPair(options: { tickMs?: number; payloads?: string }, body: (pair: RelayingPair) => Promise<void>): Promise<void> {
  const engine = await testEngine(options.tickMs !== undefined ? { tickMs: options.tickMs } : {});
  const peers: RtpPeer[] = [];
  try {
    const talker = await RtpPeer.open();
    peers.push(talker);
    const listener = await RtpPeer.open();
    peers.push(listener);
    const payloads = options.payloads ?? '0';
    const a = await engine.createStream({ inbandDtmf: false });
    const b = await engine.createStream({ inbandDtmf: false });
    a.answer(talker.offer({ payloads }));
    b.answer(listener.offer({ payloads }));
    a.join('r');
    b.join('r');
    await until(() => engine.roomRelaying('r'), 'the room relays');
    await body({ engine, a, b, talker, listener });
  } finally {
    for (const p of peers) p.close();
    await engine.close();
  }
}

test('relaying: each frame leaves as it arrives — ahead of a 100 ms media clock — under the other stream’s header, with the talker’s timestamp spacing', async () => {
  await withRelayingPair({ tickMs: 100 }, async (pair) => {
    const ticks = pair.engine.clockStats.ticks;
    // Frames 5–9 come after a 2-frame hole in the talker's timestamps (lost upstream): the spacing goes through.
    const ts = (k: number) => 9000 + k * 160 + (k >= 5 ? 320 : 0);
    await talk(pair.talker, pair.a.localPort, 10, ts);
    await pair.listener.waitFor(() => pair.listener.packets.filter(isTalk).length >= 10, 5000, '10 relayed frames');
    const elapsed = pair.engine.clockStats.ticks - ticks;
    assert.ok(elapsed < 8, `a clock of 100 ms ticks could have sent ${elapsed} frames, not 10`);
    const heard = pair.listener.packets.filter(isTalk);
    assert.deepEqual(
      heard.map((p) => p.payload[0]),
      Array.from({ length: 10 }, (_, k) => frame(k)[0]),
      'every frame, in order, byte for byte',
    );
    assert.ok(heard.every((p, k) => p.payload.equals(frame(k))));
    assert.deepEqual(
      heard.slice(1).map((p, i) => (p.timestamp - heard[i]!.timestamp) | 0),
      [160, 160, 160, 160, 480, 160, 160, 160, 160],
      'the talker’s timestamp spacing',
    );
    assert.notEqual(heard[0]!.ssrc, 0x5eed, 'sent under the stream’s own SSRC');
    assertContinuous(pair.listener.packets, 'listener');
    assert.ok(pair.b.stats.framesRelayed >= 10);
  });
});

test('relaying: when the talker stops, silence follows once the grace (200 ms) has run out; its return is a talkspurt, and nothing goes back', async () => {
  await withRelayingPair({}, async (pair) => {
    const { listener } = pair;
    await talk(pair.talker, pair.a.localPort, 20, (k) => k * 160);
    await listener.waitFor(() => listener.packets.some((p) => p.payload.equals(frame(19))), 5000, 'frame 19');
    const lastTalk = listener.packets.length;
    await listener.waitFor(() => listener.packets.slice(lastTalk).filter(isSilence).length >= 5, 5000, 'silence in the gap');
    const resumeAt = listener.packets.length;
    // The talker comes back with timestamps that ran on through its pause (as a phone's do), then with a jump of
    // a minute (a restarted phone): both are relayed without going back.
    await talk(pair.talker, pair.a.localPort, 10, (k) => k * 160 + 20 * 160, { first: 20 });
    await talk(pair.talker, pair.a.localPort, 10, (k) => k * 160 + 480_000, { first: 30 });
    await listener.waitFor(() => listener.packets.some((p) => p.payload.equals(frame(39))), 5000, 'frame 39');
    const back = listener.packets.slice(resumeAt);
    const firstBack = back.find((p) => p.payload.equals(frame(20)))!;
    assert.ok(firstBack, 'frame 20 relayed');
    assert.equal(firstBack.marker, true, 'the first frame after silence is a talkspurt start');
    const afterJump = back.find((p) => p.payload.equals(frame(30)))!;
    assert.equal(afterJump.marker, true, 'a jump in the talker’s timestamps starts a talkspurt');
    assertContinuous(listener.packets, 'listener');
  });
});

test('relaying: a pause shorter than 200 ms (frames late on the wire or in our sockets) gets no silence between the frames', async () => {
  await withRelayingPair({}, async (pair) => {
    const { listener } = pair;
    await talk(pair.talker, pair.a.localPort, 10, (k) => k * 160);
    // ≈ 120 ms without a frame (the pacing's 20 ms and 100 ms more: six ticks), then the late frames come, with the
    // timestamps they were sent with.
    await new Promise((r) => setTimeout(r, 100));
    await talk(pair.talker, pair.a.localPort, 10, (k) => k * 160, { first: 10 });
    await listener.waitFor(() => listener.packets.some((p) => p.payload.equals(frame(19))), 5000, 'frame 19');
    const from = listener.packets.findIndex((p) => p.payload.equals(frame(0)));
    const to = listener.packets.findIndex((p) => p.payload.equals(frame(19)));
    const between = listener.packets.slice(from, to + 1);
    assert.equal(between.filter(isSilence).length, 0, 'no silence between frames 0 and 19');
    assert.deepEqual(
      between.map((p) => p.payload[0]),
      Array.from({ length: 20 }, (_, k) => frame(k)[0]),
      'the 20 frames, in order, and nothing else',
    );
    assertContinuous(listener.packets, 'listener');
  });
});

test('relaying: a key sent in the middle of a relayed stream replaces the audio, and the timestamps go on after it', async () => {
  await withRelayingPair({ payloads: '0 101' }, async (pair) => {
    const { listener } = pair;
    const talking = talk(pair.talker, pair.a.localPort, 60, (k) => 777 + k * 160);
    await listener.waitFor(() => listener.packets.filter(isTalk).length >= 10, 5000, '10 relayed frames');
    await pair.b.sendDtmf('5', { durationMs: 200, gapMs: 0 });
    await talking;
    await listener.waitFor(() => listener.packets.some((p) => p.payload.equals(frame(59))), 5000, 'frame 59');
    const packets = listener.packets;
    const first = packets.findIndex((p) => p.pt === 101);
    const last = packets.findLastIndex((p) => p.pt === 101);
    assert.ok(first > 0, 'telephone-events sent');
    assert.ok(packets[last]!.payload[1]! & 0x80, 'the event ends');
    assert.ok(!packets.slice(first, last + 1).some(isTalk), 'no relayed frame inside the key');
    assert.ok(packets.slice(last + 1).some(isTalk), 'relaying goes on after the key');
    assertContinuous(packets, 'listener');
  });
});

test('relaying: 30 ms frames go through the clock’s FIFO, 20 ms at a time, the bytes unchanged', async () => {
  await withRelayingPair({}, async (pair) => {
    const { listener } = pair;
    await talk(pair.talker, pair.a.localPort, 20, (k) => k * 240, { bytes: 240 });
    const sent = Buffer.concat(Array.from({ length: 20 }, (_, k) => frame(k, 240)));
    const want = sent.subarray(5 * 240, 15 * 240);
    const heard = () => Buffer.concat(listener.packets.filter(isTalk).map((p) => p.payload));
    await listener.waitFor(() => heard().includes(want), 5000, 'frames 5–14 of the talker, contiguous');
    assert.ok(
      listener.packets.filter(isTalk).every((p) => p.payload.length === 160),
      '20 ms packets',
    );
    assertContinuous(listener.packets, 'listener');
  });
});

test('relaying: a frame in the other G.711 law (A-law in, the stream sends µ-law) is re-encoded, a plain µ-law frame goes out as it came', async () => {
  await withRelayingPair({ payloads: '0 8' }, async (pair) => {
    const { listener } = pair;
    const { decode, encode } = await import('../../src/media/g711.js');
    const alaw = frame(3);
    await pair.talker.send(buildRtp({ pt: 8, seq: 1, timestamp: 160, ssrc: 0x5eed, payload: alaw }), pair.a.localPort);
    await pair.talker.send(buildRtp({ pt: 0, seq: 2, timestamp: 320, ssrc: 0x5eed, payload: frame(4) }), pair.a.localPort);
    const want = encode('PCMU', decode('PCMA', alaw));
    await listener.waitFor(() => listener.packets.some((p) => p.payload.equals(frame(4))), 5000, 'the µ-law frame');
    const heard = listener.packets.filter(isTalk);
    assert.ok(
      heard.some((p) => p.pt === 0 && p.payload.equals(want)),
      'the A-law frame, as µ-law',
    );
    assertContinuous(listener.packets, 'listener');
  });
});
