/**
 * MediaStream over real loopback sockets with a raw dgram peer: prompt delivery, flush, latching, garbage,
 * RTP timeout, hold/resume, RTCP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RtpPeer, buildRtp, type RtpPacketInfo } from '../../../../test/support/rtp-peer.js';
import { tempDir, writeWav, numberedFrames, sine } from '../../../../test/support/audio-wav.js';
import { testEngine, nextEvent, until } from './loopback-helpers.js';
import { encode } from '../../src/media/g711.js';
import type { MediaEngine } from '../../src/media/index.js';

const dir = tempDir();
const promptA = writeWav(join(dir, 'a.wav'), [numberedFrames(50)]);
const promptB = writeWav(join(dir, 'b.wav'), [sine(440, 200, 6000)]);
const longPrompt = writeWav(join(dir, 'long.wav'), [sine(1000, 2000, 9000)]);

function isSilence(p: RtpPacketInfo): boolean {
  return p.payload.every((b) => b === 0xff);
}

/**
 * Sequence numbers strictly continuous; timestamps +160 per packet — or a jump by whole frames after a clock
 * stall longer than the engine makes up for, which it then reports as dropped frames.
 */
function assertContinuous(pkts: RtpPacketInfo[], engine: MediaEngine): void {
  for (let i = 1; i < pkts.length; i++) {
    assert.equal(pkts[i]!.seq, (pkts[i - 1]!.seq + 1) & 0xffff, `seq at ${i}`);
    const dts = (pkts[i]!.timestamp - pkts[i - 1]!.timestamp) >>> 0;
    if (dts !== 160) assert.ok(dts % 160 === 0 && engine.clockStats.framesDropped > 0, `timestamp step ${dts} at ${i}`);
    assert.equal(pkts[i]!.ssrc, pkts[0]!.ssrc);
  }
}

test('a prompt arrives complete and in order; seq/timestamps continuous across prompts and silence', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    // Queue before the SDP is done: the very first packet is the prompt's first frame.
    await stream.play(promptA);
    await stream.play(promptB);
    const ended = nextEvent(stream, 'playlistEnded');
    stream.answer(peer.offer({ payloads: '0 101' }));
    assert.equal(stream.codec, 'PCMU');
    await ended;
    const a = (await engine.loadPrompt(promptA)).encoded.PCMU;
    const b = (await engine.loadPrompt(promptB)).encoded.PCMU;
    const nA = a.length / 160;
    const nB = b.length / 160;
    await peer.waitFor(() => peer.packets.length >= nA + nB + 5, 10_000, 'prompt + silence packets');
    const pk = peer.packets.slice(0, nA + nB + 5);
    assertContinuous(pk, engine);
    assert.ok(pk.every((p) => p.version === 2 && p.pt === 0));
    assert.deepEqual(Buffer.concat(pk.slice(0, nA).map((p) => p.payload)), a, 'payload equals the cached prompt');
    assert.deepEqual(Buffer.concat(pk.slice(nA, nA + nB).map((p) => p.payload)), b, 'second prompt follows');
    assert.ok(pk.slice(nA + nB).every(isSilence), 'silence after the playlist');
    assert.deepEqual(
      pk.map((p, i) => (p.marker ? i : -1)).filter((i) => i >= 0),
      [0],
      'marker only at the talkspurt start',
    );
    // After silence, a new prompt is a new talkspurt: marker on its first frame, numbering still continuous.
    const before = peer.packets.length;
    await stream.play(promptB);
    await nextEvent(stream, 'playlistEnded');
    await peer.waitFor(() => peer.packets.some((p, i) => i >= before && p.marker), 10_000, 'marker');
    const start = peer.packets.findIndex((p, i) => i >= before && p.marker);
    await peer.waitFor(() => peer.packets.length >= start + nB, 10_000, 'second talkspurt');
    assertContinuous(peer.packets.slice(0, start + nB), engine);
    assert.deepEqual(Buffer.concat(peer.packets.slice(start, start + nB).map((p) => p.payload)), b);
    assert.equal(stream.stats.packetsDropped, 0);
  } finally {
    peer.close();
    await engine.close();
  }
});

test('flush stops the prompt within one tick, without playlistEnded', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    stream.answer(peer.offer({ payloads: '8 101' }));
    let ended = 0;
    stream.on('playlistEnded', () => ended++);
    await stream.play(longPrompt, { loop: true });
    await peer.waitFor(() => peer.packets.filter((p) => !p.payload.every((x) => x === 0xd5)).length >= 10, 10_000, 'prompt');
    assert.equal(stream.playing, true);
    stream.flush();
    assert.equal(stream.playing, false);
    const sentAtFlush = stream.stats.packetsOut;
    await peer.waitFor(() => peer.packets.length >= sentAtFlush + 10, 10_000, 'packets after flush');
    const after = peer.packets.slice(sentAtFlush);
    // At most the one packet of the tick in progress may still carry the prompt (none in practice).
    assert.ok(after.slice(1).every((p) => p.payload.every((x) => x === 0xd5)), 'silence after flush');
    assert.equal(ended, 0);
    assertContinuous(peer.packets, engine);
  } finally {
    peer.close();
    await engine.close();
  }
});

test('symmetric RTP: latches to the first valid source, ignores others; garbage is counted, never thrown', async () => {
  const engine = await testEngine();
  const sdpPeer = await RtpPeer.open();
  const realPeer = await RtpPeer.open();
  const stranger = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    stream.answer(sdpPeer.offer({ payloads: '0 101' }));
    await sdpPeer.waitFor(() => sdpPeer.packets.length >= 3, 10_000, 'packets to the SDP address');
    const dst = stream.localPort;
    const rtp = (seq: number, pt = 0) => buildRtp({ pt, seq, timestamp: seq * 160, ssrc: 99, payload: Buffer.alloc(160, 0xff) });
    // Garbage before latching does not latch.
    await stranger.send(Buffer.from('hello'), dst);
    await stranger.send(Buffer.from([0x80, 0, 1]), dst);
    await stranger.send(rtp(1, 50), dst); // unknown payload type
    await stranger.send(Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]), dst); // RTP version 1
    await until(() => stream.stats.packetsDropped === 4, 'garbage counted');
    assert.equal(stream.stats.packetsIn, 0);
    const latched = nextEvent(stream, 'latched');
    await realPeer.send(rtp(1), dst);
    assert.deepEqual(await latched, ['127.0.0.1', realPeer.port]);
    await realPeer.waitFor(() => realPeer.packets.length >= 3, 10_000, 'packets to the latched source');
    assert.deepEqual(stream.remote, { address: '127.0.0.1', port: realPeer.port });
    // Another source is ignored after latching.
    await stranger.send(rtp(2), dst);
    await realPeer.send(rtp(2), dst);
    await until(() => stream.stats.packetsIn >= 2, 'second packet of the latched source');
    await realPeer.send(rtp(3), dst);
    await until(() => stream.stats.packetsIn >= 3, 'third packet');
    assert.equal(stream.stats.packetsIn, 3, 'the stranger was not counted as input');
    const n = realPeer.packets.length;
    await realPeer.waitFor(() => realPeer.packets.length >= n + 3, 10_000, 'still sending to the latched source');
    // A re-INVITE with a new address unlatches: we send there until a packet comes from somewhere.
    const moved = await RtpPeer.open();
    try {
      stream.answer(moved.offer({ payloads: '0 101' }));
      await moved.waitFor(() => moved.packets.length >= 3, 10_000, 'packets to the new address');
    } finally {
      moved.close();
    }
  } finally {
    sdpPeer.close();
    realPeer.close();
    stranger.close();
    await engine.close();
  }
});

test('rtpTimeout after silence from the peer; off by default', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const watched = await engine.createStream({ rtpTimeoutMs: 300 });
    const unwatched = await engine.createStream();
    let unwatchedFired = false;
    unwatched.on('rtpTimeout', () => (unwatchedFired = true));
    watched.answer(peer.offer());
    unwatched.answer(peer.offer());
    const timeout = nextEvent(watched, 'rtpTimeout');
    for (let i = 0; i < 3; i++) {
      await peer.send(buildRtp({ pt: 0, seq: i, timestamp: i * 160, ssrc: 5, payload: Buffer.alloc(160, 0xff) }), watched.localPort);
    }
    await timeout;
    assert.equal(watched.stats.packetsIn, 3);
    assert.equal(unwatchedFired, false);
  } finally {
    peer.close();
    await engine.close();
  }
});

test('hold stops sending, resume continues the numbering; RTCP in and sender reports out', async () => {
  const engine = await testEngine({ rtcpIntervalMs: 200 });
  const peer = await RtpPeer.open({ withRtcp: true });
  try {
    const stream = await engine.createStream();
    stream.answer(peer.offer());
    await peer.waitFor(() => peer.packets.length >= 5, 10_000, 'packets');
    // RTCP receiver report from the peer: accepted.
    const rr = Buffer.alloc(8);
    rr[0] = 0x80;
    rr[1] = 201;
    rr.writeUInt16BE(1, 2);
    rr.writeUInt32BE(7, 4);
    const rtcpSend = (b: Buffer) =>
      new Promise<void>((r) => peer.rtcpSocket!.send(b, stream.localPort + 1, '127.0.0.1', () => r()));
    await rtcpSend(rr);
    await rtcpSend(Buffer.from('junk'));
    await until(() => stream.stats.rtcpIn === 1 && stream.stats.rtcpOut >= 1, 'rtcp both ways');
    await until(() => peer.rtcp.length >= 1, 'sender report at the peer');
    const sr = peer.rtcp[0]!;
    assert.equal(sr[1], 200);
    assert.equal(sr.readUInt32BE(4), stream.ssrc);
    // Hold (peer sends sendonly → we are recvonly): no more RTP.
    const hold = stream.answer(peer.offer({ direction: 'sendonly' }));
    assert.match(hold, /a=recvonly/);
    const sentAtHold = stream.stats.packetsOut;
    for (let i = 0; i < 10; i++) {
      await peer.send(buildRtp({ pt: 0, seq: i, timestamp: i * 160, ssrc: 5, payload: Buffer.alloc(160, 0xff) }), stream.localPort);
      await new Promise((r) => setTimeout(r, 20)); // pace like a phone (this is the traffic, not a settle wait)
    }
    await until(() => stream.stats.packetsIn >= 10, 'inbound during hold');
    assert.equal(stream.stats.packetsOut, sentAtHold, 'nothing sent on hold');
    const lastBefore = peer.packets[peer.packets.length - 1]!;
    stream.answer(peer.offer({ direction: 'sendrecv' }));
    await until(() => stream.stats.packetsOut > sentAtHold + 2, 'resumed');
    await peer.waitFor(() => peer.packets.length >= sentAtHold + 2, 10_000, 'resumed packets');
    const firstAfter = peer.packets[sentAtHold]!;
    assert.equal(firstAfter.seq, (lastBefore.seq + 1) & 0xffff);
    assert.ok(((firstAfter.timestamp - lastBefore.timestamp) >>> 0) >= 160 * 10, 'timestamp followed wall time');
  } finally {
    peer.close();
    await engine.close();
  }
});

test('PCMA answer sends PCMA-encoded prompt', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    await stream.play(promptB);
    stream.answer(peer.offer({ payloads: '8 0' }));
    await nextEvent(stream, 'playlistEnded');
    const prompt = await engine.loadPrompt(promptB);
    await peer.waitFor(() => peer.packets.length >= prompt.frames, 10_000, 'prompt');
    assert.ok(peer.packets.every((p) => p.pt === 8));
    assert.deepEqual(
      Buffer.concat(peer.packets.slice(0, prompt.frames).map((p) => p.payload)),
      encode('PCMA', prompt.pcm).length === prompt.frames * 160 ? encode('PCMA', prompt.pcm) : prompt.encoded.PCMA,
    );
  } finally {
    peer.close();
    await engine.close();
  }
});

test('outbound: offer() then setRemoteAnswer() starts media to the answerer', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    const offer = stream.offer();
    assert.match(offer, /m=audio \d+ RTP\/AVP 0 8 101/);
    assert.equal(stream.codec, undefined);
    stream.setRemoteAnswer(peer.offer({ payloads: '8 101' }));
    assert.equal(stream.codec, 'PCMA');
    await peer.waitFor(() => peer.packets.length >= 3, 10_000, 'RTP to the answerer');
    assert.ok(peer.packets.every((p) => p.pt === 8));
    const out = engine.rtpPacketsOut;
    assert.ok(out >= 3);
    stream.close();
    assert.ok(engine.rtpPacketsOut >= out, 'totals keep closed streams');
  } finally {
    peer.close();
    await engine.close();
  }
});

test('random datagrams (fuzz) never throw: every one is counted as input or dropped', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    stream.answer(peer.offer({ payloads: '0 8 101' }));
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const N = 400;
    const accounted = () => stream.stats.packetsIn + stream.stats.packetsDropped;
    for (let i = 0; i < N; i++) {
      const len = Math.floor(rnd() * 600);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      if (len > 1 && rnd() < 0.5) {
        b[0] = 0x80 | (b[0]! & 0x3f); // mostly version 2, random CC/X/P bits
        b[1] = [0, 8, 101][i % 3]! | (b[1]! & 0x80);
      }
      await peer.send(b, stream.localPort);
      // In batches, so neither the kernel socket buffer nor the slot ring overflows.
      if (i % 16 === 15) await until(() => accounted() === i + 1, `datagram ${i} accounted for`);
    }
    await until(() => accounted() === N, 'all datagrams accounted for');
    assert.ok(stream.stats.packetsDropped > 0);
    // Still alive: it keeps sending.
    const n = peer.packets.length;
    await peer.waitFor(() => peer.packets.length >= n + 3, 10_000, 'still sending');
  } finally {
    peer.close();
    await engine.close();
  }
});

test('deferSending: nothing is sent until activate(), even with the SDP answer done', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream({ deferSending: true });
    stream.answer(peer.offer({ payloads: '0 101' }));
    await stream.play(promptA);
    const start = engine.clockStats.ticks;
    // Ten media ticks pass with the answer applied and a prompt queued: the held stream sends nothing.
    await until(() => engine.clockStats.ticks >= start + 10, 'ten ticks');
    assert.equal(peer.packets.length, 0);
    assert.equal(stream.stats.packetsOut, 0);
    stream.activate();
    await peer.waitFor(() => peer.packets.length >= 5, 10_000, 'packets after activate');
    assert.equal(peer.packets[0]!.marker, true, 'the first packet after activate starts a talkspurt');
  } finally {
    peer.close();
    await engine.close();
  }
});
