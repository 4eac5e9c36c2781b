import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoertzelDetector, dtmfTone } from '../../src/media/dtmf-goertzel.js';
import { encode, decode, ULAW_DECODE, ALAW_DECODE } from '../../src/media/g711.js';
import { concatPcm, noise, sine } from '../../../../test/support/audio-wav.js';
import type { DtmfKey } from '../../src/media/media-types.js';

/** Concatenate tone/pause segments. */
function sequence(keys: string, toneMs = 100, gapMs = 100, amplitude = 8000): Int16Array {
  const parts: Int16Array[] = [new Int16Array(8 * 37)]; // start off block alignment
  for (const k of keys) {
    parts.push(dtmfTone(k as DtmfKey, toneMs, amplitude), new Int16Array((gapMs * 8) | 0));
  }
  return concatPcm(parts);
}

function detect(pcm: Int16Array, chunk = 160): string {
  let keys = '';
  const d = new GoertzelDetector((k) => (keys += k));
  for (let i = 0; i < pcm.length; i += chunk) d.push(pcm, i, Math.min(chunk, pcm.length - i));
  return keys;
}

test('detects every key through PCMU and PCMA, repeated digits as separate presses', () => {
  const keys = '0123456789*#ABCD11223';
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const audio = decode(codec, encode(codec, sequence(keys)));
    assert.equal(detect(audio), keys, codec);
  }
});

test('detects at low level and with twist, with odd packet sizes (30 ms)', () => {
  const quiet = decode('PCMA', encode('PCMA', sequence('159', 100, 100, 1000)));
  assert.equal(detect(quiet, 240), '159');
});

test('one long tone is one press', () => {
  assert.equal(detect(decode('PCMU', encode('PCMU', sequence('5', 1500)))), '5');
});

test('too short a tone is not a press', () => {
  assert.equal(detect(decode('PCMU', encode('PCMU', sequence('5', 25)))), '');
});

test('noise and speech-like audio give no key', () => {
  const n = decode('PCMU', encode('PCMU', noise(8000 * 3, 8000)));
  assert.equal(detect(n), '');
  // A vowel-like harmonic series (f0 = 120 Hz, 1/k amplitudes) gliding in pitch.
  const len = 8000 * 3;
  const speech = new Int16Array(len);
  let phase = 0;
  for (let i = 0; i < len; i++) {
    const f0 = 110 + 40 * Math.sin((2 * Math.PI * i) / 8000);
    phase += (2 * Math.PI * f0) / 8000;
    let v = 0;
    for (let h = 1; h <= 25; h++) v += Math.sin(h * phase) / h;
    speech[i] = Math.round(v * 4000);
  }
  assert.equal(detect(decode('PCMA', encode('PCMA', speech))), '');
  // A single pure tone at a DTMF row frequency is not a key either.
  assert.equal(detect(sine(770, 1000, 8000)), '');
});

test('twist: 4 dB between the tones is a key, 12 dB is not', () => {
  const pair = (rowAmp: number, colAmp: number) => {
    const pcm = new Int16Array(8 * 300);
    for (let i = 800; i < 1600; i++) {
      pcm[i] = Math.round(rowAmp * Math.sin((2 * Math.PI * 852 * i) / 8000) + colAmp * Math.sin((2 * Math.PI * 1477 * i) / 8000));
    }
    return decode('PCMU', encode('PCMU', pcm));
  };
  assert.equal(detect(pair(8000, 5000)), '9'); // ≈ 4 dB
  assert.equal(detect(pair(8000, 2000)), ''); // 12 dB
});

test('pushEncoded (decode fused into detection) finds the same presses as decode + push, any packet size', () => {
  const keys = '0123456789*#ABCD11223';
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const bytes = encode(codec, sequence(keys));
    const table = codec === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
    for (const chunk of [160, 240, 80, 333]) {
      let got = '';
      const d = new GoertzelDetector((k) => (got += k));
      for (let i = 0; i < bytes.length; i += chunk) d.pushEncoded(table, bytes, i, Math.min(chunk, bytes.length - i));
      assert.equal(got, keys, `${codec} in ${chunk}-byte packets`);
    }
  }
  // Noise and a lone row tone stay silent on this path too.
  let none = '';
  const d = new GoertzelDetector((k) => (none += k));
  const n = encode('PCMU', noise(8000 * 2, 8000));
  const t = encode('PCMU', sine(852, 1000, 8000));
  for (let i = 0; i + 160 <= n.length; i += 160) d.pushEncoded(ULAW_DECODE, n, i, 160);
  for (let i = 0; i + 160 <= t.length; i += 160) d.pushEncoded(ULAW_DECODE, t, i, 160);
  assert.equal(none, '');
});
