import { test } from 'node:test';
import assert from 'node:assert/strict';
import sdpTransform from 'sdp-transform';
import { SdpNegotiator, agreedDirection, parseAudioSdp } from '../../src/media/sdp-negotiator.js';
import { MediaError } from '../../src/media/errors.js';

function offer(opts: { payloads?: string; rtpmaps?: string[]; direction?: string; addr?: string; port?: number } = {}) {
  return [
    'v=0',
    'o=alice 1 1 IN IP4 10.0.0.1',
    's=-',
    `c=IN IP4 ${opts.addr ?? '10.0.0.1'}`,
    't=0 0',
    `m=audio ${opts.port ?? 4000} RTP/AVP ${opts.payloads ?? '0 8 101'}`,
    ...(opts.rtpmaps ?? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15']),
    ...(opts.direction ? [`a=${opts.direction}`] : []),
    '',
  ].join('\r\n');
}

function audioOf(sdp: string) {
  const parsed = sdpTransform.parse(sdp);
  return { session: parsed, m: parsed.media[0]! };
}

test('answer keeps the offerer codec order', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const { sdp, media } = n.answer(offer({ payloads: '8 0 101' }));
  assert.equal(audioOf(sdp).m.payloads, '8 0 101');
  assert.equal(media.codec, 'PCMA');
  const n2 = new SdpNegotiator('127.0.0.1', 12000);
  assert.equal(n2.answer(offer({ payloads: '0 8 101' })).media.codec, 'PCMU');
});

test('answer skips codecs we do not have and reuses the offered telephone-event PT', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const { sdp, media } = n.answer(
    offer({
      payloads: '18 96 8 97',
      rtpmaps: ['a=rtpmap:18 G729/8000', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:97 telephone-event/8000'],
    }),
  );
  const { m } = audioOf(sdp);
  assert.equal(m.payloads, '8 97');
  assert.equal(media.telephoneEventPt, 97);
  assert.ok(m.rtp.some((r) => r.payload === 97 && r.codec === 'telephone-event'));
  assert.equal(m.port, 12000);
  assert.equal(m.ptime, 20);
});

test('answer without telephone-event when not offered', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const { sdp, media } = n.answer(offer({ payloads: '0', rtpmaps: [] }));
  assert.equal(String(audioOf(sdp).m.payloads), '0');
  assert.equal(media.telephoneEventPt, undefined);
});

test('direction is mirrored; hold and resume on re-INVITE', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'sendrecv'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
    ['sendrecv', 'sendrecv'],
  ];
  let lastVersion = 0;
  const ids = new Set<string>();
  for (const [dir, expected] of cases) {
    const { sdp, media } = n.answer(offer(dir ? { direction: dir } : {}));
    const { session, m } = audioOf(sdp);
    assert.equal(m.direction, expected, `offer ${dir}`);
    assert.equal(media.direction, expected);
    ids.add(String(session.origin!.sessionId));
    assert.ok(Number(session.origin!.sessionVersion) > lastVersion, 'version increments');
    lastVersion = Number(session.origin!.sessionVersion);
  }
  assert.equal(ids.size, 1, 'same session id for the stream life');
});

test('c=0.0.0.0 hold leaves no remote address; a new address/port is picked up', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  assert.equal(n.answer(offer()).media.remoteAddress, '10.0.0.1');
  assert.equal(n.answer(offer({ addr: '0.0.0.0' })).media.remoteAddress, undefined);
  const moved = n.answer(offer({ addr: '10.0.0.9', port: 5000 })).media;
  assert.equal(moved.remoteAddress, '10.0.0.9');
  assert.equal(moved.remotePort, 5000);
  assert.equal(moved.remoteRtcpPort, 5001);
});

test('every answer of a call keeps the first answer codec list', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  assert.equal(audioOf(n.answer(offer({ payloads: '8 0 101' })).sdp).m.payloads, '8 0 101');
  // Re-INVITE offers the other order: we keep ours.
  assert.equal(audioOf(n.answer(offer({ payloads: '0 8 101' })).sdp).m.payloads, '8 0 101');
  // Re-INVITE with only PCMU: restricted, still answerable.
  const r = n.answer(offer({ payloads: '0 101' }));
  assert.equal(audioOf(r.sdp).m.payloads, '0 101');
  assert.equal(r.media.codec, 'PCMU');
});

test('no common codec → NO_COMMON_CODEC with SIP status 488', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  assert.throws(
    () => n.answer(offer({ payloads: '18 9', rtpmaps: ['a=rtpmap:18 G729/8000', 'a=rtpmap:9 G722/8000'] })),
    (err: unknown) => err instanceof MediaError && err.code === 'NO_COMMON_CODEC' && err.sipStatus === 488,
  );
  const video = 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n';
  assert.throws(() => n.answer(video), { code: 'NO_COMMON_CODEC' });
  const srtp = offer().replace('RTP/AVP', 'RTP/SAVP');
  assert.throws(() => n.answer(srtp), { code: 'NO_COMMON_CODEC' });
});

test('garbage SDP → BAD_SDP, never another exception', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const bad = [
    '',
    'garbage',
    'v=0\r\n',
    'v=0\r\nm=audio xx RTP/AVP 0\r\n',
    'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n', // no c=
    offer({ payloads: '0 abc' }),
    offer({ addr: 'example.com' }),
    '\u0000\u0001\u0002',
    undefined as unknown as string,
  ];
  for (const b of bad) {
    assert.throws(
      () => n.answer(b),
      (err: unknown) => err instanceof MediaError && err.code === 'BAD_SDP' && err.sipStatus === 488,
      JSON.stringify(b),
    );
  }
});

test('extra m-lines are refused with port 0', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const two = offer() + 'm=video 6000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';
  const { sdp } = n.answer(two);
  const parsed = sdpTransform.parse(sdp);
  assert.equal(parsed.media.length, 2);
  assert.equal(parsed.media[0]!.port, 12000);
  assert.equal(parsed.media[1]!.type, 'video');
  assert.equal(parsed.media[1]!.port, 0);
});

test('our offer: PCMU, PCMA, telephone-event 101, ptime 20; answer applied', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  const o = n.offer();
  const { m, session } = audioOf(o);
  assert.equal(m.payloads, '0 8 101');
  assert.equal(m.direction, 'sendrecv');
  assert.equal(m.ptime, 20);
  assert.equal(session.connection!.ip, '127.0.0.1');
  const media = n.setRemoteAnswer(offer({ payloads: '8 101', direction: 'sendrecv' }));
  assert.equal(media.codec, 'PCMA');
  assert.equal(media.telephoneEventPt, 101);
  // Re-offer to hold: same session, next version, same codec list.
  const hold = audioOf(n.offer('sendonly'));
  assert.equal(hold.m.payloads, '8 101');
  assert.equal(hold.m.direction, 'sendonly');
  assert.equal(String(hold.session.origin!.sessionId), String(session.origin!.sessionId));
  assert.equal(Number(hold.session.origin!.sessionVersion), Number(session.origin!.sessionVersion) + 1);
  assert.equal(n.setRemoteAnswer(offer({ payloads: '8 101', direction: 'recvonly' })).direction, 'sendonly');
});

test('the same answer again (183 with SDP, then the 200) is applied again', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  n.offer();
  assert.equal(n.setRemoteAnswer(offer({ payloads: '8 0 101' })).codec, 'PCMA');
  const again = n.setRemoteAnswer(offer({ payloads: '8 0 101', addr: '10.0.0.7' }));
  assert.equal(again.remoteAddress, '10.0.0.7');
  // Answering an offer from the peer ends that exchange: a stray answer is refused.
  n.answer(offer());
  assert.throws(() => n.setRemoteAnswer(offer()), { code: 'BAD_SDP' });
});

test('setRemoteAnswer errors', () => {
  const n = new SdpNegotiator('127.0.0.1', 12000);
  assert.throws(() => n.setRemoteAnswer(offer()), { code: 'BAD_SDP' }); // no pending offer
  n.offer();
  assert.throws(() => n.setRemoteAnswer(offer({ payloads: '18', rtpmaps: ['a=rtpmap:18 G729/8000'] })), {
    code: 'NO_COMMON_CODEC',
  });
  n.offer();
  assert.throws(() => n.setRemoteAnswer('nonsense'), { code: 'BAD_SDP' });
});

test('parseAudioSdp reads session-level direction and a=rtcp', () => {
  const p = parseAudioSdp(offer({ rtpmaps: ['a=rtcp:4011'] }).replace('t=0 0', 't=0 0\r\na=sendonly'));
  assert.equal(p.audio.direction, 'sendonly');
  assert.equal(p.audio.rtcpPort, 4011);
});

test('agreedDirection: answering (we want sendrecv) mirrors the offer; our offered direction limits the answer', () => {
  assert.equal(agreedDirection('sendrecv', 'sendrecv'), 'sendrecv');
  assert.equal(agreedDirection('sendrecv', 'sendonly'), 'recvonly');
  assert.equal(agreedDirection('sendrecv', 'recvonly'), 'sendonly');
  assert.equal(agreedDirection('sendrecv', 'inactive'), 'inactive');
  // Our hold offer (sendonly) answered recvonly, or (wrongly) sendrecv: we only send either way.
  assert.equal(agreedDirection('sendonly', 'recvonly'), 'sendonly');
  assert.equal(agreedDirection('sendonly', 'sendrecv'), 'sendonly');
  assert.equal(agreedDirection('sendonly', 'sendonly'), 'inactive');
  assert.equal(agreedDirection('recvonly', 'sendrecv'), 'recvonly');
  assert.equal(agreedDirection('inactive', 'sendrecv'), 'inactive');
});
