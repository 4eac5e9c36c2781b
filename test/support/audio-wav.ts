/** Test audio: WAV files written with wavefile (any rate/depth/channels) and simple signals. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';

export function tempDir(prefix = 'sipflow-media-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write a WAV. `samples` are per channel (interleaving is done here). bitDepth as wavefile codes: '8','16','24','32','32f'. */
export function writeWav(path: string, channels: Array<ArrayLike<number>>, sampleRate = 8000, bitDepth = '16'): string {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(channels.length, sampleRate, bitDepth, channels.length === 1 ? channels[0]! : channels);
  writeFileSync(path, wav.toBuffer());
  return path;
}

/** A sine at `freq` Hz, `ms` long, amplitude `amp`. */
/** PCM segments end to end, zero-padded to a multiple of `multiple` samples (e.g. 160 = whole 20 ms frames). */
export function concatPcm(parts: Int16Array[], multiple = 1): Int16Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Int16Array(Math.ceil(total / multiple) * multiple);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function sine(freq: number, ms: number, amp = 8000, rate = 8000): Int16Array {
  const n = Math.round((ms * rate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** A ramp that makes every 160-sample frame distinguishable: frame k starts at value (k*37 % 2000) - 1000. */
export function numberedFrames(frames: number): Int16Array {
  const out = new Int16Array(frames * 160);
  for (let k = 0; k < frames; k++) {
    for (let i = 0; i < 160; i++) out[k * 160 + i] = ((k * 37) % 2000) - 1000 + i * 10;
  }
  return out;
}

/** Deterministic pseudo-random noise. */
export function noise(n: number, amp = 6000, seed = 1): Int16Array {
  let s = seed >>> 0;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.round(((s / 0xffffffff) * 2 - 1) * amp);
  }
  return out;
}
