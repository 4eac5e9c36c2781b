import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebRtcOffer } from '../../src/media/webrtc-offer.js';

const offer = (mline: string) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${mline}\r\n`;

test('isWebRtcOffer: DTLS-SRTP audio profiles are WebRTC, plain RTP and no SDP are not', () => {
  assert.equal(isWebRtcOffer(offer('m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126')), true);
  assert.equal(isWebRtcOffer(offer('m=audio 9 RTP/SAVPF 0')), true);
  assert.equal(isWebRtcOffer(offer('m=audio 4000 RTP/AVP 0 101')), false);
  assert.equal(isWebRtcOffer(offer('m=audio 4000 RTP/SAVP 0')), false);
  assert.equal(isWebRtcOffer(offer('m=video 9 UDP/TLS/RTP/SAVPF 96')), false);
  assert.equal(isWebRtcOffer(undefined), false);
  assert.equal(isWebRtcOffer(''), false);
});
