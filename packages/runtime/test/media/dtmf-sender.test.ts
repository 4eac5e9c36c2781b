/** The DTMF send queue frame by frame, without sockets: RFC 4733 payloads, in-band tone level, gaps, settling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfSender, DTMF_EVENT, DTMF_OFF, DTMF_SILENCE, DTMF_TONE } from '../../src/media/dtmf-sender.js';
import { ULAW_DECODE, ULAW_ENCODE, ULAW_SILENCE } from '../../src/media/g711.js';
import { isMediaError } from '../../src/media/errors.js';

const audio = Buffer.alloc(12 + 160);
const te = Buffer.alloc(16);

interface Frame {
  kind: number;
  marker: boolean;
  ts: number;
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

function run(s: DtmfSender, frames: number, tePt: number, ts0 = 1000): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i < frames; i++) {
    const kind = s.frame(tePt, ULAW_ENCODE, ULAW_SILENCE, ts0 + i * 160, audio, 12, te, 12);
    out.push({
      kind,
      marker: s.marker,
      ts: s.eventTs,
      event: te[12]!,
      end: (te[13]! & 0x80) !== 0,
      volume: te[13]! & 0x3f,
      duration: te.readUInt16BE(14),
    });
  }
  return out;
}

test('RFC 4733: updates with one timestamp and growing duration, end ×3, then the gap; next key after it', async () => {
  const s = new DtmfSender();
  let done = false;
  const sent = s.enqueue('1#', { durationMs: 60, gapMs: 80 }).then(() => (done = true));
  const f = run(s, 20, 101);
  assert.deepEqual(
    f.map((x) => x.kind),
    [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0].map((k) => (k ? DTMF_EVENT : DTMF_OFF)),
  );
  const first = f.slice(0, 5);
  assert.deepEqual(
    first.map((x) => x.marker),
    [true, false, false, false, false],
  );
  assert.ok(first.every((x) => x.ts === 1000 && x.event === 1 && x.volume === 10));
  assert.deepEqual(
    first.map((x) => x.duration),
    [160, 320, 480, 480, 480],
  );
  assert.deepEqual(
    first.map((x) => x.end),
    [false, false, true, true, true],
  );
  // 80 ms gap from the end of the tone: 2 retransmissions + 2 frames of audio.
  const second = f.slice(7, 12);
  assert.ok(second.every((x) => x.ts === 1000 + 7 * 160 && x.event === 11));
  assert.equal(second[0]!.marker, true);
  await sent;
  assert.equal(done, true);
  assert.equal(s.active, false);
});

test('gap 0: the end retransmissions still go out, the next key starts right after them', () => {
  const s = new DtmfSender();
  void s.enqueue('22', { durationMs: 20, gapMs: 0 });
  const f = run(s, 7, 96);
  assert.deepEqual(
    f.map((x) => x.kind),
    [DTMF_EVENT, DTMF_EVENT, DTMF_EVENT, DTMF_EVENT, DTMF_EVENT, DTMF_EVENT, DTMF_OFF],
  );
  assert.deepEqual(f.map((x) => x.marker).slice(0, 6), [true, false, false, true, false, false]);
  assert.notEqual(f[0]!.ts, f[3]!.ts, 'a repeated key is a new event (new timestamp)');
});

test('in-band: both sines at about -7 dBm0 each for the duration, silence for the gap', () => {
  const s = new DtmfSender();
  void s.enqueue('5', { durationMs: 100, gapMs: 60 });
  const kinds: number[] = [];
  let energy = 0;
  for (let i = 0; i < 9; i++) {
    const kind = s.frame(-1, ULAW_ENCODE, ULAW_SILENCE, i * 160, audio, 12, te, 12);
    kinds.push(kind);
    if (kind === DTMF_TONE) for (let k = 0; k < 160; k++) energy += ULAW_DECODE[audio[12 + k]!]! ** 2;
    if (kind === DTMF_SILENCE) assert.ok(audio.subarray(12).every((b) => b === ULAW_SILENCE));
  }
  assert.deepEqual(
    kinds,
    [2, 2, 2, 2, 2, 3, 3, 3, 0].map((k) => [DTMF_OFF, 0, DTMF_TONE, DTMF_SILENCE][k]),
  );
  // Two sines of peak A: mean power A²; -7 dBm0 ≈ 10 100 peak (0 dBm0 ≈ 22 700 in the 16-bit G.711 domain).
  const rms = Math.sqrt(energy / 800);
  assert.ok(rms > 8_500 && rms < 11_500, `tone level ${rms.toFixed(0)}`);
});

test('bad keys and options throw before anything is queued; cancel rejects the rest', async () => {
  const s = new DtmfSender();
  assert.throws(
    () => s.enqueue('1e'),
    (e: unknown) => isMediaError(e, 'BAD_DTMF_KEY') && e.key === 'e',
  );
  assert.throws(
    () => s.enqueue('a'),
    (e: unknown) => isMediaError(e, 'BAD_DTMF_KEY'),
    'lower case is not a key',
  );
  assert.throws(
    () => s.enqueue('1', { durationMs: Number.NaN }),
    (e: unknown) => isMediaError(e, 'BAD_OPTIONS'),
  );
  assert.equal(s.active, false);
  const p = s.enqueue('ABCD*#0');
  s.cancel(() => new Error('gone'));
  s.cancel(() => assert.fail('no error is built when nothing is pending'));
  await assert.rejects(p, /gone/);
  assert.equal(s.active, false);
  assert.equal(run(s, 1, 101)[0]!.kind, DTMF_OFF);
});
