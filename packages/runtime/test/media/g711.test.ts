import { test } from 'node:test';
import assert from 'node:assert/strict';
import alawmulaw from 'alawmulaw';
import { ULAW_DECODE, ALAW_DECODE, encode, decode, ULAW_SILENCE, ALAW_SILENCE } from '../../src/media/g711.js';
import { sine } from '../../../../test/support/audio-wav.js';

test('decode tables match the reference decoder (alawmulaw) for all 256 codes', () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(ULAW_DECODE[c], alawmulaw.mulaw.decodeSample(c) + 0, `µ-law ${c}`);
    assert.equal(ALAW_DECODE[c], alawmulaw.alaw.decodeSample(c) + 0, `A-law ${c}`);
  }
});

test('encode(decode(code)) === code (round trip on every code, except µ-law negative zero)', () => {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const back = encode(codec, decode(codec, codes));
    for (let c = 0; c < 256; c++) {
      if (codec === 'PCMU' && c === 0x7f) continue; // -0 decodes to 0, which encodes as +0 (0xff)
      assert.equal(back[c], c, `${codec} ${c}`);
    }
  }
});

test('linear → G.711 → linear stays within the quantisation step', () => {
  const x = sine(1000, 100, 20000);
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const y = decode(codec, encode(codec, x));
    for (let i = 0; i < x.length; i++) {
      const step = Math.max(16, Math.abs(x[i]!) / 16); // log companding: ~1/16 relative error at most
      assert.ok(Math.abs(x[i]! - y[i]!) <= step, `${codec} sample ${i}: ${x[i]} vs ${y[i]}`);
    }
  }
  assert.equal(encode('PCMU', new Int16Array([0]))[0], ULAW_SILENCE);
  assert.equal(encode('PCMA', new Int16Array([0]))[0], ALAW_SILENCE);
  // Saturation at the extremes does not wrap.
  assert.ok(decode('PCMU', encode('PCMU', new Int16Array([32767])))[0]! > 30000);
  assert.ok(decode('PCMA', encode('PCMA', new Int16Array([-32768])))[0]! < -30000);
});
