/**
 * Outgoing DTMF over loopback RTP: one engine's stream sends, another engine's stream (its existing RFC 4733 and
 * Goertzel receivers) or a raw peer checks what arrives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir, writeWav, numberedFrames } from '../../../../test/support/audio-wav.js';
import { RtpPeer, type RtpPacketInfo } from '../../../../test/support/rtp-peer.js';
import { nextEvent, testEngine, until } from './loopback-helpers.js';
import { isMediaError, type DtmfEvent, type MediaEngine, type MediaStreamApi } from '../../src/media/index.js';

function collect(stream: MediaStreamApi): DtmfEvent[] {
  const got: DtmfEvent[] = [];
  stream.on('dtmf', (e) => got.push(e));
  return got;
}

/** Our offer without telephone-event, and with only `codec` when given. */
function withoutTelephoneEvent(sdp: string, codec: 'PCMU' | 'PCMA'): string {
  const keep = codec === 'PCMU' ? '0' : '8';
  return sdp
    .split('\r\n')
    .filter((l) => !/telephone-event|^a=fmtp:101|^a=rtpmap:(0|8) /.test(l) || l.startsWith(`a=rtpmap:${keep} `))
    .map((l) => (l.startsWith('m=audio') ? l.replace(/RTP\/AVP .*/, `RTP/AVP ${keep}`) : l))
    .join('\r\n');
}

/** Two engines, one stream each, A offering to B. */
async function pair(shape: (offer: string) => string = (o) => o): Promise<{ engines: MediaEngine[]; a: MediaStreamApi; b: MediaStreamApi }> {
  const engines = [await testEngine(), await testEngine()];
  const a = await engines[0]!.createStream();
  const b = await engines[1]!.createStream();
  a.setRemoteAnswer(b.answer(shape(a.offer())));
  return { engines, a, b };
}

const PIN = '1123#';
const EVENTS = [1, 1, 2, 3, 11];

test('RFC 4733 out: the far end reports every key once, in order, repeated digits apart; dtmfSent when drained', async () => {
  const { engines, a, b } = await pair();
  try {
    const got = collect(b);
    let drained = 0;
    a.on('dtmfSent', () => drained++);
    await a.sendDtmf(PIN);
    await until(() => got.length >= PIN.length, 'all digits at B');
    assert.equal(got.map((e) => e.key).join(''), PIN);
    assert.ok(
      got.every((e) => e.source === 'rfc4733' && e.durationMs === 100),
      JSON.stringify(got),
    );
    await until(() => drained === 1, 'dtmfSent');
  } finally {
    for (const e of engines) await e.close();
  }
});

for (const codec of ['PCMU', 'PCMA'] as const) {
  test(`no telephone-event: in-band tones in ${codec} reach the far end's Goertzel detector`, async () => {
    const { engines, a, b } = await pair((o) => withoutTelephoneEvent(o, codec));
    try {
      assert.equal(a.codec, codec);
      const got = collect(b);
      await a.sendDtmf(PIN);
      await until(() => got.length >= PIN.length, 'all digits at B');
      assert.equal(got.map((e) => e.key).join(''), PIN);
      assert.ok(got.every((e) => e.source === 'inband'));
    } finally {
      for (const e of engines) await e.close();
    }
  });
}

/** The telephone-event packets, grouped per event (by timestamp), in arrival order. */
function eventGroups(packets: RtpPacketInfo[], pt: number): RtpPacketInfo[][] {
  const groups: RtpPacketInfo[][] = [];
  for (const p of packets) {
    if (p.pt !== pt) continue;
    const last = groups.at(-1);
    if (last && last[0]!.timestamp === p.timestamp) last.push(p);
    else groups.push([p]);
  }
  return groups;
}

test('RFC 4733 out on the wire: marker, one timestamp per event, growing duration, 3 end packets, one sequence with the audio', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const a = await engine.createStream();
    a.answer(peer.offer({ payloads: '0 96', extra: ['a=rtpmap:96 telephone-event/8000'] }));
    await peer.waitFor(() => peer.packets.length >= 3, 10_000, 'audio before the keys');
    await a.sendDtmf(PIN);
    const after = peer.packets.length;
    await peer.waitFor(() => peer.packets.length >= after + 3, 10_000, 'audio after the keys');
    const packets = [...peer.packets];

    for (let i = 1; i < packets.length; i++) {
      assert.equal(packets[i]!.seq, (packets[i - 1]!.seq + 1) & 0xffff, `sequence continuous at packet ${i}`);
      assert.equal(packets[i]!.ssrc, packets[0]!.ssrc);
    }
    assert.ok(
      packets.every((p) => p.pt === 0 || p.pt === 96),
      'only PCMU and the negotiated telephone-event PT',
    );
    const groups = eventGroups(packets, 96);
    assert.deepEqual(
      groups.map((g) => g[0]!.payload[0]),
      EVENTS,
    );
    let prevTs = -1;
    for (const g of groups) {
      assert.equal(g.length, 7, '4 updates, the end packet and 2 retransmissions');
      assert.deepEqual(
        g.map((p) => p.marker),
        [true, false, false, false, false, false, false],
      );
      const durations = g.map((p) => p.payload.readUInt16BE(2));
      assert.deepEqual(durations, [160, 320, 480, 640, 800, 800, 800]);
      assert.deepEqual(
        g.map((p) => (p.payload[1]! & 0x80) !== 0),
        [false, false, false, false, true, true, true],
      );
      assert.ok(
        g.every((p) => (p.payload[1]! & 0x3f) === 10 && p.payload.length === 4),
        'volume 10, 4-byte payload',
      );
      // The audio stops for the event: its packets are consecutive; audio resumes in the gap, later in time.
      const first = packets.indexOf(g[0]!);
      assert.equal(packets.indexOf(g.at(-1)!), first + 6);
      const before = packets[first - 1]!;
      const next = packets[first + 7]!;
      assert.equal(before.pt, 0, 'audio before each event (gap 60 ms > the 2 retransmissions)');
      assert.equal(next.pt, 0);
      assert.ok(((g[0]!.timestamp - before.timestamp) | 0) > 0, 'event starts after the audio before it');
      assert.ok(((next.timestamp - g[0]!.timestamp) | 0) >= 800, 'audio resumes after the event');
      if (prevTs >= 0) assert.ok(((g[0]!.timestamp - prevTs) | 0) >= 800 + 480, 'events 100 ms + 60 ms apart');
      prevTs = g[0]!.timestamp;
    }
  } finally {
    peer.close();
    await engine.close();
  }
});

test('a bad key is a typed error naming it, and nothing of that call is sent; bad options too', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const a = await engine.createStream();
    a.answer(peer.offer({ payloads: '0 101' }));
    assert.throws(
      () => a.sendDtmf('12x3'),
      (err: unknown) => isMediaError(err, 'BAD_DTMF_KEY') && err.key === 'x' && err.message.includes('"x"'),
    );
    assert.throws(
      () => a.sendDtmf(''),
      (err: unknown) => isMediaError(err, 'BAD_DTMF_KEY'),
    );
    assert.throws(
      () => a.sendDtmf('1', { durationMs: 5 }),
      (err: unknown) => isMediaError(err, 'BAD_OPTIONS'),
    );
    assert.throws(
      () => a.sendDtmf('1', { gapMs: -1 }),
      (err: unknown) => isMediaError(err, 'BAD_OPTIONS'),
    );
    await a.sendDtmf('9');
    const after = peer.packets.length;
    await peer.waitFor(() => peer.packets.length >= after + 2, 10_000, 'audio after the key');
    assert.deepEqual(
      eventGroups(peer.packets, 101).map((g) => g[0]!.payload[0]),
      [9],
      'only the valid call went out',
    );
  } finally {
    peer.close();
    await engine.close();
  }
});

test('closing the stream rejects what is still queued with STREAM_CLOSED', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const a = await engine.createStream();
    a.answer(peer.offer({ payloads: '0 101' }));
    const pending = a.sendDtmf('123456789', { durationMs: 500 });
    a.close();
    await assert.rejects(pending, (err: unknown) => isMediaError(err, 'STREAM_CLOSED'));
    assert.throws(
      () => a.sendDtmf('1'),
      (err: unknown) => isMediaError(err, 'STREAM_CLOSED'),
    );
  } finally {
    peer.close();
    await engine.close();
  }
});

test('a prompt waits while a key goes out, then resumes where it was: every frame arrives once, in order', async () => {
  const prompt = writeWav(join(tempDir(), 'n.wav'), [numberedFrames(40)]);
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const a = await engine.createStream();
    await a.play(prompt);
    const ended = nextEvent(a, 'playlistEnded');
    a.answer(peer.offer({ payloads: '0 101' }));
    await peer.waitFor(() => peer.packets.length >= 5, 10_000, 'the prompt under way');
    await a.sendDtmf('5');
    await ended;
    const encoded = (await engine.loadPrompt(prompt)).encoded.PCMU;
    const n = encoded.length / 160;
    await peer.waitFor(() => peer.packets.filter((p) => p.pt === 0).length >= n, 10_000, 'the whole prompt');
    const packets = [...peer.packets];
    const groups = eventGroups(packets, 101);
    assert.equal(groups.length, 1);
    const first = packets.indexOf(groups[0]![0]!);
    assert.ok(first >= 5 && first < n, 'the event interrupts the prompt');
    const audio = packets.filter((p) => p.pt === 0).slice(0, n);
    assert.deepEqual(Buffer.concat(audio.map((p) => p.payload)), encoded, 'prompt frames complete, in order, none skipped');
  } finally {
    peer.close();
    await engine.close();
  }
});
