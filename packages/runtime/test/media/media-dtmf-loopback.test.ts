/** DTMF over loopback RTP: RFC 4733 at the negotiated PT, in-band in PCMU/PCMA, both at once, INFO injection. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPeer } from '../../../../test/support/rtp-peer.js';
import { rfc4733Packets, inbandPackets, mergeByTime, sendTimed } from '../../../../test/support/rtp-dtmf.js';
import { testEngine, until } from './loopback-helpers.js';
import type { DtmfEvent, MediaStreamApi } from '../../src/media/index.js';

function collect(stream: MediaStreamApi): DtmfEvent[] {
  const got: DtmfEvent[] = [];
  stream.on('dtmf', (e) => got.push(e));
  return got;
}

const PIN = '11223';

for (const pt of [101, 96]) {
  test(`RFC 4733 PIN with repeated digits at PT ${pt}`, async () => {
    const engine = await testEngine();
    const peer = await RtpPeer.open();
    try {
      const stream = await engine.createStream();
      const got = collect(stream);
      stream.answer(peer.offer({ payloads: `0 ${pt}`, extra: [`a=rtpmap:${pt} telephone-event/8000`] }));
      await sendTimed(rfc4733Packets(PIN, { pt }), (b) => peer.send(b, stream.localPort));
      await until(() => got.length >= PIN.length, 'all digits');
      assert.equal(got.map((e) => e.key).join(''), PIN);
      assert.ok(got.every((e) => e.source === 'rfc4733' && e.durationMs === 100));
    } finally {
      peer.close();
      await engine.close();
    }
  });
}

for (const codec of ['PCMU', 'PCMA'] as const) {
  test(`in-band PIN in ${codec}; not reported when in-band detection is off`, async () => {
    const engine = await testEngine();
    const peer = await RtpPeer.open();
    try {
      const on = await engine.createStream();
      const off = await engine.createStream({ inbandDtmf: false });
      const gotOn = collect(on);
      const gotOff = collect(off);
      const payloads = codec === 'PCMU' ? '0 101' : '8 101';
      on.answer(peer.offer({ payloads }));
      off.answer(peer.offer({ payloads }));
      const packets = inbandPackets(PIN + '#', codec);
      await sendTimed(packets, async (b) => {
        await peer.send(b, on.localPort);
        await peer.send(b, off.localPort);
      });
      await until(() => gotOn.length >= PIN.length + 1, 'all digits');
      await until(() => off.stats.packetsIn === packets.length, 'all audio at the second stream');
      assert.equal(gotOn.map((e) => e.key).join(''), PIN + '#');
      assert.ok(gotOn.every((e) => e.source === 'inband'));
      assert.deepEqual(gotOff, []);
    } finally {
      peer.close();
      await engine.close();
    }
  });
}

test('a phone sending tones AND RFC 4733: one report per press', async () => {
  const engine = await testEngine();
  const peer = await RtpPeer.open();
  try {
    const stream = await engine.createStream();
    const got = collect(stream);
    stream.answer(peer.offer({ payloads: '0 101' }));
    const both = mergeByTime(inbandPackets(PIN, 'PCMU'), rfc4733Packets(PIN, { pt: 101 }));
    await sendTimed(both, (b) => peer.send(b, stream.localPort));
    await until(() => stream.stats.packetsIn === both.length, 'all packets in');
    await until(() => got.length >= PIN.length, 'digits');
    assert.equal(got.map((e) => e.key).join(''), PIN);
    assert.ok(got.every((e) => e.source === 'rfc4733'));
  } finally {
    peer.close();
    await engine.close();
  }
});

test('INFO digits injected; repeated keys are separate presses', async () => {
  const engine = await testEngine();
  try {
    const stream = await engine.createStream();
    const got = collect(stream);
    for (const k of PIN) stream.injectDtmf(k as '1', 'info', 160);
    stream.injectDtmf('x' as '1', 'info'); // not a key: ignored
    assert.deepEqual(
      got.map((e) => `${e.key}/${e.source}/${e.durationMs}`),
      [...PIN].map((k) => `${k}/info/160`),
    );
  } finally {
    await engine.close();
  }
});
