/**
 * The media engine on worker threads, over real loopback sockets with raw dgram peers: the same stream API as the
 * in-thread engine (prompt bytes, playlistEnded, DTMF, rooms), placement near a stream, two-party relay, shared
 * prompts, and a worker killed mid-stream (its streams fail, a new worker takes the slot).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RtpPeer, buildRtp } from '../../../../test/support/rtp-peer.js';
import { tempDir, writeWav, numberedFrames, sine } from '../../../../test/support/audio-wav.js';
import { rfc4733Packets, sendTimed } from '../../../../test/support/rtp-dtmf.js';
import { freeMediaPorts } from '../../../../test/support/ports.js';
import { logger, nextEvent, until } from './loopback-helpers.js';
import { WorkerMediaEngine, isMediaError } from '../../src/media/index.js';
import { encode } from '../../src/media/g711.js';

const dir = tempDir();
const promptA = writeWav(join(dir, 'a.wav'), [numberedFrames(25)]);
const longPrompt = writeWav(join(dir, 'long.wav'), [sine(1000, 3000, 9000)]);

async function workerEngine(workers: number): Promise<WorkerMediaEngine> {
  const base = await freeMediaPorts(200);
  return WorkerMediaEngine.create({ logger, portRange: [base, base + 199], workers, statsIntervalMs: 50 });
}

test('a prompt played on a worker arrives complete, byte for byte; playlistEnded reaches the main thread', async () => {
  const engine = await workerEngine(1);
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    await stream.play(promptA);
    assert.equal(stream.playing, true);
    const ended = nextEvent(stream, 'playlistEnded');
    stream.answer(peer.offer({ payloads: '0 101' }));
    assert.equal(stream.codec, 'PCMU');
    await ended;
    assert.equal(stream.playing, false);
    const cached = (await engine.loadPrompt(promptA)).encoded.PCMU;
    const frames = cached.length / 160;
    await peer.waitFor(() => peer.packets.length >= frames, 10_000, 'prompt packets');
    assert.deepEqual(Buffer.concat(peer.packets.slice(0, frames).map((p) => p.payload)), cached);
    assert.ok(peer.packets[0]!.marker);
    for (let i = 1; i < frames; i++) assert.equal(peer.packets[i]!.seq, (peer.packets[i - 1]!.seq + 1) & 0xffff);
    await until(() => stream.stats.packetsOut >= frames, 'stats report from the worker');
  } finally {
    peer.close();
    await engine.close();
  }
});

test("a stream's counters are its own: a new stream in a closed one's stats slot starts at 0; a closed stream keeps its last", async () => {
  const engine = await workerEngine(1);
  const peer = await RtpPeer.open();
  try {
    const a = await engine.createStream();
    a.answer(peer.offer({ payloads: '0' }));
    await a.play(promptA);
    await until(() => a.stats.packetsOut >= 10, 'stats report from the worker');
    a.close();
    const atClose = a.stats;
    // The worker reuses a's slot in its reports; the report the main thread holds still has a's counters there.
    const b = await engine.createStream();
    assert.equal(b.stats.packetsOut, 0, 'b does not read a report made before it existed');
    const ticks = () => engine.workers[0]!.clock?.ticks ?? 0;
    const seen = ticks();
    await until(() => ticks() > seen, 'a later report');
    assert.equal(b.stats.packetsOut, 0, 'b sends nothing: it has no remote address');
    assert.deepEqual(a.stats, atClose, 'a closed stream keeps the counters it had at close');
    assert.ok(atClose.packetsOut >= 10);
  } finally {
    peer.close();
    await engine.close();
  }
});

test('flush crossing a playlistEnded: the stale end is not reported; a play queued before the end extends it', async () => {
  const engine = await workerEngine(1);
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    stream.answer(peer.offer({ payloads: '0' }));
    let ends = 0;
    stream.on('playlistEnded', () => ends++);
    await stream.play(longPrompt);
    stream.flush();
    assert.equal(stream.playing, false);
    await stream.play(promptA);
    await nextEvent(stream, 'playlistEnded');
    assert.equal(ends, 1, 'only the end of what was queued last');
  } finally {
    peer.close();
    await engine.close();
  }
});

test('RFC 4733 digits received on a worker reach the main thread once per press; INFO digits are deduplicated there too', async () => {
  const engine = await workerEngine(1);
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    const target = stream.localPort;
    stream.answer(peer.offer({ payloads: '0 101' }));
    const keys: string[] = [];
    stream.on('dtmf', (e) => keys.push(`${e.key}:${e.source}`));
    await sendTimed(rfc4733Packets('1123', { pt: 101 }), (b) => peer.send(b, target));
    await until(() => keys.length >= 4, 'four presses');
    assert.deepEqual(keys, ['1:rfc4733', '1:rfc4733', '2:rfc4733', '3:rfc4733']);
    stream.injectDtmf('3', 'info'); // the same press by INFO, < 1 s later: not reported again
    stream.injectDtmf('9', 'info'); // rfc4733 outranks info on this stream: ignored from now on
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(keys.length, 4);
    assert.throws(
      () => stream.sendDtmf('1x2'),
      (e: unknown) => isMediaError(e, 'BAD_DTMF_KEY') && e.key === 'x',
    );
    await stream.sendDtmf('5', { durationMs: 40, gapMs: 0 });
    await peer.waitFor(() => peer.packets.some((p) => p.pt === 101), 5000, 'telephone-event out');
  } finally {
    peer.close();
    await engine.close();
  }
});

test('a two-party room on one worker relays G.711 bytes both ways (no mix); a third member turns mixing on', async () => {
  const engine = await workerEngine(2);
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
  try {
    const a = await engine.createStream();
    const b = await engine.createStream({ near: a });
    assert.equal(b.workerIndex, a.workerIndex, 'near: same worker');
    const other = await engine.createStream();
    assert.notEqual(other.workerIndex, a.workerIndex, 'the least loaded worker otherwise');
    other.close();
    a.answer(peers[0]!.offer({ payloads: '0' }));
    b.answer(peers[1]!.offer({ payloads: '0' }));
    a.join('r');
    b.join('r');
    assert.deepEqual(engine.roomMembers('r').sort(), [a.id, b.id].sort());
    // Peer 0 talks a recognisable pattern into a; peer 1 must receive exactly those bytes from b.
    const pattern = Buffer.alloc(160);
    for (let i = 0; i < 160; i++) pattern[i] = 0x10 + (i % 64);
    let seq = 1;
    const talk = setInterval(() => {
      void peers[0]!.send(buildRtp({ pt: 0, seq: seq++, timestamp: seq * 160, ssrc: 7, payload: pattern }), a.localPort);
      void peers[1]!.send(buildRtp({ pt: 0, seq: seq, timestamp: seq * 160, ssrc: 8, payload: encode('PCMU', new Int16Array(160)) }), b.localPort);
    }, 20);
    try {
      await peers[1]!.waitFor(() => peers[1]!.packets.some((p) => p.payload.equals(pattern)), 5000, 'relayed frame at peer 1');
      await until(() => engine.roomRelaying('r') && b.stats.framesRelayed > 5, 'relay counters');
      // Admission sees the relaying worker's own CPU time (relays run outside its ticks).
      const busyWorker = a.workerIndex;
      await until(() => (engine.loads[busyWorker]?.cpuShare ?? 0) > 0, "the relaying worker's CPU share reported");
      assert.ok(engine.loads[busyWorker]!.cpuShare! <= 1.05);
      assert.equal(engine.workers[busyWorker]!.cpuShare, engine.loads[busyWorker]!.cpuShare);
      const c = await engine.createStream({ near: a });
      c.answer(peers[2]!.offer({ payloads: '0' }));
      c.join('r');
      await until(() => !engine.roomRelaying('r'), 'mixing with three');
      const relayed = b.stats.framesRelayed;
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(b.stats.framesRelayed - relayed <= 10, 'no more relaying once three are in the room');
      c.close();
      await until(() => engine.roomRelaying('r'), 'relaying again with two');
    } finally {
      clearInterval(talk);
    }
  } finally {
    for (const p of peers) p.close();
    await engine.close();
  }
});

test('a room across two workers: frames cross in shared memory, each side hears the other (mixed), leaving unlinks', async () => {
  const engine = await workerEngine(2);
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open()]);
  try {
    const a = await engine.createStream();
    const b = await engine.createStream();
    assert.notEqual(a.workerIndex, b.workerIndex, 'placed on different workers');
    a.answer(peers[0]!.offer({ payloads: '0' }));
    b.answer(peers[1]!.offer({ payloads: '0' }));
    a.join('x');
    b.join('x');
    assert.deepEqual(engine.roomMembers('x').sort(), [a.id, b.id].sort());
    const toneA = encode('PCMU', sine(440, 20, 8000));
    const toneB = encode('PCMU', sine(700, 20, 8000));
    let seq = 1;
    const talk = setInterval(() => {
      seq++;
      void peers[0]!.send(buildRtp({ pt: 0, seq, timestamp: seq * 160, ssrc: 7, payload: toneA }), a.localPort);
      void peers[1]!.send(buildRtp({ pt: 0, seq, timestamp: seq * 160, ssrc: 8, payload: toneB }), b.localPort);
    }, 20);
    const loud = (p: { payload: Buffer }) => p.payload.some((x) => x !== 0xff && x !== 0x7f);
    try {
      await peers[1]!.waitFor(() => peers[1]!.packets.filter(loud).length >= 20, 5000, 'a heard at b (across workers)');
      await peers[0]!.waitFor(() => peers[0]!.packets.filter(loud).length >= 20, 5000, 'b heard at a (across workers)');
      assert.equal(engine.roomRelaying('x'), false, 'a linked room mixes');
      b.leave();
      assert.deepEqual(engine.roomMembers('x'), [a.id]);
      const mark = peers[1]!.packets.length;
      await peers[1]!.waitFor(() => peers[1]!.packets.length >= mark + 20, 5000, 'b goes on sending');
      assert.ok(
        peers[1]!.packets.slice(mark + 5).every((p) => !loud(p)),
        'out of the room, b sends silence',
      );
    } finally {
      clearInterval(talk);
    }
  } finally {
    for (const p of peers) p.close();
    await engine.close();
  }
});

test('a worker killed mid-stream: its streams get `failed` and are closed, a new worker takes the slot and serves', async () => {
  const engine = await workerEngine(1);
  const peer = await RtpPeer.open();
  try {
    const a = await engine.createStream();
    a.answer(peer.offer({ payloads: '0' }));
    await a.play(longPrompt);
    await peer.waitFor(() => peer.packets.length > 5, 5000, 'audio before the kill');
    const failed = nextEvent(a, 'failed');
    await engine.killWorker(0);
    const [err] = await failed;
    assert.ok(isMediaError(err, 'WORKER_FAILED'));
    assert.equal(a.closed, true);
    assert.throws(
      () => a.offer(),
      (e: unknown) => isMediaError(e, 'STREAM_CLOSED'),
    );
    await engine.ready();
    assert.equal(engine.workerRestarts, 1);
    const b = await engine.createStream();
    const peer2 = await RtpPeer.open();
    try {
      b.answer(peer2.offer({ payloads: '0' }));
      await b.play(promptA);
      await nextEvent(b, 'playlistEnded');
      await peer2.waitFor(() => peer2.packets.length >= 25, 5000, 'audio from the new worker');
    } finally {
      peer2.close();
    }
    assert.equal(engine.streamCount, 1);
  } finally {
    peer.close();
    await engine.close();
  }
});

test("port shares: each worker's part of the range, its streams; `share` places a stream on the worker admission chose", async () => {
  const base = await freeMediaPorts(20);
  const engine = await WorkerMediaEngine.create({ logger, portRange: [base, base + 9], workers: 2, statsIntervalMs: 50 });
  try {
    assert.deepEqual(engine.portShares, [
      { pairs: 2, streams: 0 },
      { pairs: 3, streams: 0 },
    ]);
    const a = await engine.createStream({ share: 1 });
    const b = await engine.createStream({ share: 1 });
    assert.deepEqual(
      [a, b].map((s) => s.workerIndex),
      [1, 1],
      'both on worker 1, though worker 0 runs fewer streams',
    );
    const near = await engine.createStream({ near: a, share: 0 });
    assert.equal(near.workerIndex, 1, '`near` wins over `share`');
    assert.deepEqual(engine.portShares, [
      { pairs: 2, streams: 0 },
      { pairs: 3, streams: 3 },
    ]);
    await assert.rejects(
      engine.createStream({ share: 1 }),
      (err: unknown) => isMediaError(err) && err.code === 'NO_PORTS',
      "worker 1's part is full",
    );
    b.close();
    assert.deepEqual(engine.portShares[1], { pairs: 3, streams: 2 }, 'a closed stream gives its pair back at once');
  } finally {
    await engine.close();
  }
});

test('bad options: a port range too small for the workers, a bad worker count', async () => {
  await assert.rejects(WorkerMediaEngine.create({ logger, portRange: [30000, 30001], workers: 2 }), (e: unknown) => isMediaError(e, 'BAD_OPTIONS'));
  await assert.rejects(WorkerMediaEngine.create({ logger, workers: 0 }), (e: unknown) => isMediaError(e, 'BAD_OPTIONS'));
});

test('a worker compacts its heap once its last stream has closed, and reports it', async () => {
  const base = await freeMediaPorts(200);
  // Any heap is worth it here: the test checks the wiring, idle-heap-trim.test.ts the thresholds.
  const engine = await WorkerMediaEngine.create({
    logger,
    portRange: [base, base + 199],
    workers: 1,
    statsIntervalMs: 50,
    heapTrim: { minHeapBytes: 0, growthFactor: 0 },
  });
  try {
    const a = await engine.createStream();
    const b = await engine.createStream();
    a.close();
    await until(() => engine.workers[0]!.streams === 1, 'one stream closed');
    await new Promise((r) => setTimeout(r, 300)); // the quiet time (100 ms) and a stats report (50 ms) pass
    assert.equal(engine.workers[0]!.heapTrims, 0, 'a stream is still open');
    b.close();
    await until(() => engine.workers[0]!.heapTrims === 1, 'the last stream closed: one compaction, reported');
  } finally {
    await engine.close();
  }
});
