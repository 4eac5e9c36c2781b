/**
 * A clock that ran late makes up to MAX_CATCH_UP frames per stream back to back in one tick. A send the kernel cannot
 * take at once waits in libuv's queue holding its Buffer (and with dgram's default lookup every send to an
 * unconnected socket left only after the tick), so a stream's outgoing buffers must outnumber the packets of one
 * tick: with fewer, a buffer is rewritten before its packet left, and the peer gets one packet twice and misses
 * another (the sequence jumps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RtpPeer } from '../../../../test/support/rtp-peer.js';
import { tempDir, writeWav, numberedFrames } from '../../../../test/support/audio-wav.js';
import { nextEvent, testEngine } from './loopback-helpers.js';

const prompt = writeWav(join(tempDir(), 'numbered.wav'), [numberedFrames(40)]);

test('a stall of 6 ticks: the catch-up burst arrives whole — every packet once, in sequence, the prompt byte for byte', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    stream.answer(peer.offer({ payloads: '0' }));
    const ended = nextEvent(stream, 'playlistEnded');
    await stream.play(prompt);
    await peer.waitFor(() => peer.packets.length >= 3, 5000, 'the first packets');
    // The stimulus: the event loop blocked for 130 ms (a long GC pause), so the next tick makes up 5 frames at once.
    const until = performance.now() + 130;
    while (performance.now() < until);
    await ended;
    const cached = (await engine.loadPrompt(prompt)).encoded.PCMU;
    const frames = cached.length / 160;
    await peer.waitFor(() => peer.packets.length >= frames, 10_000, 'the whole prompt');
    const seqs = peer.packets.slice(0, frames).map((p) => p.seq);
    for (let i = 1; i < frames; i++) assert.equal(seqs[i], (seqs[i - 1]! + 1) & 0xffff, `packet ${i} in sequence: ${seqs.join(' ')}`);
    assert.deepEqual(Buffer.concat(peer.packets.slice(0, frames).map((p) => p.payload)), cached);
    assert.ok(engine.clockStats.framesCaughtUp >= 4, `frames made up after the stall: ${engine.clockStats.framesCaughtUp}`);
  } finally {
    peer.close();
    await engine.close();
  }
});
