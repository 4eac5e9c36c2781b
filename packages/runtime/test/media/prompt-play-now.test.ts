/**
 * A play's outcome is known when play() is called, on both engines (media on this thread, media on workers): the
 * prompt is looked up in the cache, or read and decoded, before play() returns. So a missing or unreadable file fails
 * before any timer or I/O event (a flow's `error` comes before, e.g., its lookup's result: DSM's playFile throws at
 * once), and prompts play in the order they were played, a cached one never overtaking one still being read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RtpPeer } from '../../../../test/support/rtp-peer.js';
import { numberedFrames, sine, tempDir, writeWav } from '../../../../test/support/audio-wav.js';
import { freeMediaPorts } from '../../../../test/support/ports.js';
import { MediaEngine, WorkerMediaEngine, isMediaError } from '../../src/media/index.js';
import { logger } from './loopback-helpers.js';

const dir = tempDir();
const missing = join(dir, 'missing.wav');
const junk = join(dir, 'junk.wav');
writeFileSync(junk, 'this is not a WAV file');

const engines: Array<[string, () => Promise<MediaEngine | WorkerMediaEngine>]> = [
  ['media on this thread', async () => MediaEngine.create({ logger, portRange: await range() })],
  ['media on a worker', async () => WorkerMediaEngine.create({ logger, portRange: await range(), workers: 1 })],
];

async function range(): Promise<[number, number]> {
  const base = await freeMediaPorts(20);
  return [base, base + 19];
}

/**
 * How `p` has settled after only microtasks ran, or 'pending'. No timer or I/O callback can run while this loop
 * awaits (each turn queues the next microtask), so 'pending' means the outcome waits for the event loop, e.g. for a
 * file read in the thread pool; a chain of awaits settles within a few turns.
 */
async function outcomeBeforeAnyIo(p: Promise<unknown>): Promise<string> {
  let outcome = 'pending';
  p.then(
    () => (outcome = 'resolved'),
    (err: unknown) => (outcome = isMediaError(err, 'PROMPT_UNREADABLE') ? 'PROMPT_UNREADABLE' : `rejected: ${String(err)}`),
  );
  for (let turn = 0; turn < 100 && outcome === 'pending'; turn++) await Promise.resolve();
  return outcome;
}

for (const [label, create] of engines) {
  test(`${label}: play() of a missing or unreadable file is rejected PROMPT_UNREADABLE before any timer or I/O event; nothing plays`, async () => {
    const engine = await create();
    try {
      const stream = await engine.createStream();
      for (const path of [missing, junk, dir]) {
        // Twice: the first look at the file and a later one (a failure is not cached).
        for (const time of ['first', 'again']) {
          assert.equal(await outcomeBeforeAnyIo(stream.play(path)), 'PROMPT_UNREADABLE', `${path} (${time})`);
          assert.equal(stream.playing, false, `${path} (${time}): nothing queued`);
        }
      }
      const good = writeWav(join(dir, `good-${engines.findIndex(([l]) => l === label)}.wav`), [sine(1000, 100)]);
      assert.equal(await outcomeBeforeAnyIo(stream.play(good)), 'resolved', 'a readable prompt, at its first play');
      assert.equal(stream.playing, true);
    } finally {
      await engine.close();
    }
  });

  test(`${label}: prompts play in the order of the play() calls, a prompt read now before a cached one`, async () => {
    const engine = await create();
    const peer = await RtpPeer.open();
    try {
      const index = engines.findIndex(([l]) => l === label);
      const first = writeWav(join(dir, `first-${index}.wav`), [numberedFrames(6)]);
      const second = writeWav(join(dir, `second-${index}.wav`), [sine(1000, 120, 9000)]);
      const cachedSecond = (await engine.loadPrompt(second)).encoded.PCMU; // in the cache: no file access on its play
      const stream = await engine.createStream();
      void stream.play(first); // never played before: read and decoded by this call
      assert.equal(stream.playing, true, 'queued when play() returns');
      void stream.play(second);
      stream.answer(peer.offer({ payloads: '0' }));
      const firstBytes = (await engine.loadPrompt(first)).encoded.PCMU;
      const frames = (firstBytes.length + cachedSecond.length) / 160;
      await peer.waitFor(() => peer.packets.length >= frames, 10_000, 'both prompts');
      // Where each prompt's audio starts on the wire (any of its frames: the order is the subject, not every byte).
      const framesOf = (b: Buffer) => Array.from({ length: b.length / 160 }, (_, i) => b.subarray(i * 160, (i + 1) * 160));
      const startOf = (b: Buffer) => peer.packets.findIndex((p) => framesOf(b).some((f) => p.payload.equals(f)));
      assert.equal(startOf(firstBytes), 0, 'the first prompt starts the stream');
      assert.ok(startOf(cachedSecond) > startOf(firstBytes), `the second prompt after the first (${startOf(cachedSecond)})`);
    } finally {
      peer.close();
      await engine.close();
    }
  });
}
