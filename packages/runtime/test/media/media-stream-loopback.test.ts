/**
 * MediaStream over real loopback sockets with a raw dgram peer: prompt delivery, flush, source validation and latching, garbage,
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
    assert.ok(
      after.slice(1).every((p) => p.payload.every((x) => x === 0xd5)),
      'silence after flush',
    );
    assert.equal(ended, 0);
    assertContinuous(peer.packets, engine);
  } finally {
    peer.close();
    await engine.close();
  }
});

const rtp = (seq: number, pt = 0) => buildRtp({ pt, seq, timestamp: seq * 160, ssrc: 99, payload: Buffer.alloc(160, 0xff) });
/** An RTCP receiver report (no report blocks). */
const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 7]);

test("strict source: a stranger's RTP and RTCP before the caller speaks are rejected, counted, never answered", async () => {
  const engine = await testEngine({ rtcpIntervalMs: 100 });
  const caller = await RtpPeer.open({ withRtcp: true });
  const stranger = await RtpPeer.open({ withRtcp: true });
  try {
    const stream = await engine.createStream();
    let latched = 0;
    stream.on('latched', () => latched++);
    stream.answer(caller.offer({ payloads: '0 101' }));
    await caller.waitFor(() => caller.packets.length >= 3, 10_000, 'packets to the SDP address');
    const dst = stream.localPort;
    // The stranger speaks first, RTP and RTCP, on our ports: nothing latches, everything is counted as rejected.
    for (let i = 1; i <= 5; i++) await stranger.send(rtp(i), dst);
    await new Promise<void>((r) => stranger.rtcpSocket!.send(rr, dst + 1, '127.0.0.1', () => r()));
    await until(() => stream.stats.packetsRejected === 6, 'stranger packets rejected');
    assert.equal(stream.stats.packetsIn, 0);
    assert.equal(stream.stats.rtcpIn, 0);
    // Garbage from the caller's own address is malformed, not rejected.
    await caller.send(Buffer.from('hello'), dst);
    await caller.send(rtp(1, 50), dst); // unknown payload type
    await until(() => stream.stats.packetsDropped === 2, 'garbage counted');
    // The caller speaks: accepted; RTCP from the caller's RTCP port too.
    await caller.send(rtp(1), dst);
    await until(() => stream.stats.packetsIn === 1, 'caller RTP accepted');
    await new Promise<void>((r) => caller.rtcpSocket!.send(rr, dst + 1, '127.0.0.1', () => r()));
    await until(() => stream.stats.rtcpIn === 1, 'caller RTCP accepted');
    await until(() => caller.rtcp.length >= 2, 'sender reports to the caller');
    const n = caller.packets.length;
    await caller.waitFor(() => caller.packets.length >= n + 5, 10_000, 'audio keeps going to the caller');
    assert.deepEqual(stream.remote, { address: '127.0.0.1', port: caller.port });
    assert.equal(latched, 0);
    // Not one packet, RTP or RTCP, went to the stranger.
    assert.equal(stranger.packets.length, 0, 'no RTP reflected to the stranger');
    assert.equal(stranger.rtcp.length, 0, 'no RTCP reflected to the stranger');
    assert.equal(engine.rtpPacketsRejected, 6);
  } finally {
    caller.close();
    stranger.close();
    await engine.close();
  }
});

test('rtpLatch: latches once to a source on the signalling IP, never to another IP, never away afterwards', async () => {
  const engine = await testEngine({ rtcpIntervalMs: 100 });
  // The SDP names a private address nobody answers on (the caller is behind NAT); signalling came from 127.0.0.3.
  const natted = await RtpPeer.open({ host: '127.0.0.3', withRtcp: true });
  const sameIpOtherPort = await RtpPeer.open({ host: '127.0.0.3' });
  const stranger = await RtpPeer.open({ host: '127.0.0.4', withRtcp: true });
  try {
    const stream = await engine.createStream({ rtpLatch: true, signallingAddress: '127.0.0.3' });
    stream.answer(natted.offer({ payloads: '0 101', address: '127.0.0.2' }));
    const dst = stream.localPort;
    // A stranger on another IP cannot latch, RTP or RTCP.
    for (let i = 1; i <= 3; i++) await stranger.send(rtp(i), dst);
    await new Promise<void>((r) => stranger.rtcpSocket!.send(rr, dst + 1, '127.0.0.1', () => r()));
    await until(() => stream.stats.packetsRejected === 4, 'stranger rejected');
    // Garbage from the signalling IP does not latch either.
    await natted.send(Buffer.from([0x80, 0, 1]), dst);
    await until(() => stream.stats.packetsDropped === 1, 'garbage counted');
    assert.equal(stream.remote?.address, '127.0.0.2');
    const latched = nextEvent(stream, 'latched');
    await natted.send(rtp(1), dst);
    assert.deepEqual(await latched, ['127.0.0.3', natted.port]);
    await natted.waitFor(() => natted.packets.length >= 3, 10_000, 'audio to the latched source');
    // Latched once: another port on the same IP is rejected from now on.
    await sameIpOtherPort.send(rtp(2), dst);
    await natted.send(rtp(2), dst);
    await until(() => stream.stats.packetsIn === 2, 'second packet of the latched source');
    await until(() => stream.stats.packetsRejected === 5, 'same IP, other port rejected');
    // RTCP latches to the RTP source's IP; our reports go there and nowhere else.
    await new Promise<void>((r) => natted.rtcpSocket!.send(rr, dst + 1, '127.0.0.1', () => r()));
    await until(() => stream.stats.rtcpIn === 1, 'RTCP from the latched IP');
    await until(() => natted.rtcp.length >= 1, 'sender report to the latched RTCP source');
    assert.equal(stranger.packets.length + stranger.rtcp.length + sameIpOtherPort.packets.length, 0, 'nothing to strangers');
    assert.equal(engine.rtpPacketsRejected, 5);
  } finally {
    natted.close();
    sameIpOtherPort.close();
    stranger.close();
    await engine.close();
  }
});

test('rtpLatch: a stream that hears valid RTP from the SDP address first never latches elsewhere; a re-INVITE re-targets', async () => {
  const engine = await testEngine();
  const caller = await RtpPeer.open();
  const hijacker = await RtpPeer.open();
  try {
    const stream = await engine.createStream({ rtpLatch: true, signallingAddress: '127.0.0.1' });
    let latched = 0;
    stream.on('latched', () => latched++);
    stream.answer(caller.offer({ payloads: '0 101' }));
    const dst = stream.localPort;
    await caller.send(rtp(1), dst);
    await until(() => stream.stats.packetsIn === 1, 'caller accepted');
    // Same IP as signalling, but the stream already has its source.
    for (let i = 1; i <= 3; i++) await hijacker.send(rtp(i), dst);
    await until(() => stream.stats.packetsRejected === 3, 'hijacker rejected');
    const n = caller.packets.length;
    await caller.waitFor(() => caller.packets.length >= n + 3, 10_000, 'still sending to the caller');
    assert.equal(hijacker.packets.length, 0);
    assert.equal(latched, 0);
    // A re-INVITE naming a new address: we send there, and accept only it.
    const moved = await RtpPeer.open();
    try {
      stream.answer(moved.offer({ payloads: '0 101' }));
      await moved.waitFor(() => moved.packets.length >= 3, 10_000, 'packets to the new address');
      await moved.send(rtp(2), dst);
      await until(() => stream.stats.packetsIn === 2, 'the new address accepted');
      await caller.send(rtp(3), dst);
      await until(() => stream.stats.packetsRejected === 4, 'the old address rejected now');
    } finally {
      moved.close();
    }
  } finally {
    caller.close();
    hijacker.close();
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
    const rtcpSend = (b: Buffer) => new Promise<void>((r) => peer.rtcpSocket!.send(b, stream.localPort + 1, '127.0.0.1', () => r()));
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
    assert.ok((firstAfter.timestamp - lastBefore.timestamp) >>> 0 >= 160 * 10, 'timestamp followed wall time');
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
