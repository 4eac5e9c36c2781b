import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, utimesSync } from 'node:fs';
import { Playlist } from '../../src/media/playlist.js';
import { PromptCache, promptFromPcm } from '../../src/media/prompt-cache.js';
import { encode } from '../../src/media/g711.js';
import { MediaError } from '../../src/media/errors.js';
import { tempDir, writeWav, sine, numberedFrames } from '../../../../test/support/audio-wav.js';

function frames(pl: Playlist, n: number): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  const buf = Buffer.alloc(172);
  for (let i = 0; i < n; i++) out.push(pl.copyNextFrame('PCMU', buf, 12) ? buf[12] : undefined);
  return out;
}

/** A prompt of `n` frames whose every byte is `byte` (as µ-law). */
function flat(path: string, n: number, byte: number) {
  const p = promptFromPcm(path, new Int16Array(n * 160));
  p.encoded.PCMU.fill(byte);
  return p;
}

test('play, play front, loop, flush, ended', () => {
  const pl = new Playlist();
  assert.equal(pl.playing, false);
  assert.deepEqual(frames(pl, 1), [undefined]); // silence when empty
  pl.add(flat('a', 2, 1));
  pl.add(flat('b', 1, 2));
  assert.deepEqual(frames(pl, 2), [1, 1]);
  assert.equal(pl.ended, false);
  assert.deepEqual(frames(pl, 2), [2, undefined]);
  assert.equal(pl.ended, true);
  pl.ended = false;

  pl.add(flat('a', 3, 1));
  frames(pl, 1);
  pl.add(flat('c', 1, 3), { front: true });
  assert.deepEqual(frames(pl, 5), [3, 1, 1, 1, undefined]); // front first, then a from its start

  pl.add(flat('l', 2, 4), { loop: true });
  assert.deepEqual(frames(pl, 5), [4, 4, 4, 4, 4]);
  assert.equal(pl.playing, true);
  pl.flush();
  assert.equal(pl.playing, false);
  assert.equal(pl.ended, false);
  assert.deepEqual(frames(pl, 1), [undefined]);
});

test('prompt cache: any PCM WAV → 8 kHz mono, encoded once per codec, cached by path + mtime', async () => {
  const dir = tempDir();
  let clock = 0;
  const cache = new PromptCache({ now: () => clock });
  const pcm = numberedFrames(10);
  const p8 = writeWav(join(dir, 'a.wav'), [pcm]);
  const a = await cache.load(p8);
  assert.equal(a.frames, 10);
  assert.deepEqual(a.encoded.PCMU, encode('PCMU', pcm));
  assert.deepEqual(a.encoded.PCMA, encode('PCMA', pcm));
  assert.equal(await cache.load(p8), a, 'cached');

  // Rewritten with a new mtime → still the cached prompt within the recheck window (no stat per play), then reloaded.
  writeWav(p8, [numberedFrames(4)]);
  utimesSync(p8, new Date(), new Date(Date.now() + 5000));
  clock = 999;
  assert.equal(await cache.load(p8), a, 'within the recheck window');
  clock = 1000;
  const b = await cache.load(p8);
  assert.notEqual(b, a);
  assert.equal(b.frames, 4);

  // 16 kHz stereo 24-bit and 44.1 kHz float: length follows the duration; a 1 kHz tone survives.
  const tone16 = sine(1000, 500, 10000, 16000);
  const stereo = await cache.load(writeWav(join(dir, 's.wav'), [tone16, tone16], 16000, '24'));
  assert.equal(stereo.pcm.length, 4000);
  const tone44 = Float64Array.from(sine(1000, 500, 10000, 44100), (v) => v / 32768);
  const fl = await cache.load(writeWav(join(dir, 'f.wav'), [tone44], 44100, '32f'));
  assert.ok(Math.abs(fl.pcm.length - 4000) <= 1);
  const peak = fl.pcm.slice(100, 3900).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(peak > 8000 && peak < 12000, `peak ${peak}`);
  // 8-bit, partial last frame padded with silence.
  const short = await cache.load(writeWav(join(dir, 'e.wav'), [Uint8Array.from({ length: 200 }, () => 128)], 8000, '8'));
  assert.equal(short.frames, 2);
  assert.equal(short.encoded.PCMU.length, 320);
});

test('prompt errors name the file (missing, not a WAV, a directory)', async () => {
  const dir = tempDir();
  const cache = new PromptCache();
  const junk = join(dir, 'junk.wav');
  writeFileSync(junk, 'this is not a wav file');
  for (const path of [join(dir, 'missing.wav'), junk, dir]) {
    await assert.rejects(cache.load(path), (err: unknown) => {
      assert.ok(err instanceof MediaError);
      assert.equal(err.code, 'PROMPT_UNREADABLE');
      assert.equal(err.sipStatus, 500);
      assert.equal(err.file, path);
      assert.ok(err.message.includes(path));
      return true;
    });
  }
  assert.equal(cache.size, 0);
});
