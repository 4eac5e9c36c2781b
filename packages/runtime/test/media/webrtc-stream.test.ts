/**
 * The WebRTC leg without a browser: a Node-side werift peer (test/support/webrtc-peer.ts) on loopback offers
 * UDP/TLS/RTP/SAVPF; createWebRtcStream answers (ICE, fingerprint, setup, rtcp-mux); ICE and DTLS complete;
 * a prompt arrives through SRTP byte for byte; RFC 4733 keys from the peer are detected; a peer that never
 * connects, or answers ICE but never the DTLS handshake, gets a clear error and leaves nothing behind.
 * Every case runs on both stacks: node-datachannel (the default) and werift.
 */
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { parse as parseSdp } from 'sdp-transform';
import { Message, parseMessage, methods, classes } from 'werift';
import { tempDir, writeWav, numberedFrames } from '../../../../test/support/audio-wav.js';
import { WebRtcPeer } from '../../../../test/support/webrtc-peer.js';
import { testEngine, nextEvent, until, logger } from './loopback-helpers.js';
import { createWebRtcStream, type WebRtcStack } from '../../src/media/webrtc/webrtc-stream.js';
import { isWebRtcOffer } from '../../src/media/webrtc-offer.js';
import type { DtmfEvent } from '../../src/media/media-types.js';

/** UDP sockets of Node open in this process (the leg's relay socket, werift's ICE socket, the engine stream's). */
const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
/** Whether anything on the machine is bound to 127.0.0.1:port (libdatachannel's ICE socket is native: not a UDPWrap). */
const bound = (port: number) => {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .some((line) => line.trim().split(/\s+/)[1] === hex);
};
const candidatePort = (answer: string) => Number(parseSdp(answer).media[0]!.candidates![0]!.port);

const dir = tempDir();
const prompt = writeWav(join(dir, 'numbered.wav'), [numberedFrames(50)]);

for (const stack of ['datachannel', 'werift'] as WebRtcStack[]) {
  describe(`stack ${stack}`, () => {
    test('offer/answer: our answer is ICE + DTLS-SRTP on 127.0.0.1 with rtcp-mux, PCMU + telephone-event', async () => {
      const engine = await testEngine();
      const peer = await WebRtcPeer.open();
      try {
        assert.ok(isWebRtcOffer(peer.offer), 'the werift offer is a WebRTC offer');
        const stream = await createWebRtcStream(engine, { logger, host: '127.0.0.1', stack }, peer.offer);
        const answer = stream.answer(peer.offer);
        const sdp = parseSdp(answer);
        const audio = sdp.media.find((m) => m.type === 'audio');
        assert.ok(audio, 'an audio m-line');
        assert.equal(audio.protocol, 'UDP/TLS/RTP/SAVPF');
        // werift is ICE-lite (answers checks only); libdatachannel a full ICE agent (answers and checks back).
        if (stack === 'werift') assert.match(answer, /a=ice-lite/);
        else assert.doesNotMatch(answer, /a=ice-lite/);
        assert.ok(audio.iceUfrag && audio.icePwd, 'ice-ufrag and ice-pwd');
        assert.match(answer, /a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/i);
        // The peer offered actpass: we answer active or passive (both answer active: we are the DTLS client).
        assert.match(audio.setup ?? '', /^(active|passive)$/);
        assert.equal(audio.rtcpMux, 'rtcp-mux');
        assert.deepEqual(
          (audio.rtp ?? []).map((r) => `${r.payload} ${r.codec}/${r.rate}`),
          ['0 PCMU/8000', '101 telephone-event/8000'],
          "the peer's first G.711 and its telephone-event, at its payload types",
        );
        const candidates = audio.candidates ?? [];
        assert.ok(candidates.length > 0, 'at least one candidate');
        for (const c of candidates) assert.equal(c.ip, '127.0.0.1', `candidate ${c.ip}:${c.port} is on loopback`);
        assert.equal(stream.answer(peer.offer), answer, 'the same offer again (retransmitted INVITE) gets the same answer');
        assert.throws(() => stream.answer(peer.offer.replace('s=-', 's=other')), /re-INVITE/);
        stream.close();
        assert.equal(engine.streamCount, 0);
        await until(() => !bound(candidatePort(answer)), 'the ICE socket closed');
      } finally {
        await peer.close();
        await engine.close();
      }
    });

    test('DTLS completes; a prompt arrives through SRTP byte for byte; RFC 4733 keys from the peer are detected', async () => {
      const engine = await testEngine();
      const peer = await WebRtcPeer.open({ codecs: ['PCMU'] });
      try {
        const stream = await createWebRtcStream(engine, { logger, host: '127.0.0.1', deferSending: true, stack }, peer.offer);
        // The flow queues its prompt at once (as a flow's first state does); the leg holds it until DTLS is done.
        const ended = nextEvent(stream, 'playlistEnded');
        await stream.play(prompt);
        await peer.accept(stream.answer(peer.offer));
        stream.activate();
        await peer.connected();
        assert.equal(stream.codec, 'PCMU');

        // Prompt: the peer decrypts exactly the cached prompt's PCMU frames, in order, from the first packet on.
        await ended;
        const expected = (await engine.loadPrompt(prompt)).encoded.PCMU;
        const frames = expected.length / 160;
        await until(() => peer.packets.filter((p) => p.pt === 0).length >= frames, 'prompt frames at the peer');
        const audio = peer.packets.filter((p) => p.pt === 0);
        const first = audio.findIndex((p) => p.payload.equals(expected.subarray(0, 160)));
        assert.equal(first, 0, 'the first packet the peer decrypts is the prompt\u2019s first frame');
        await until(() => peer.packets.filter((p) => p.pt === 0).length >= first + frames, 'the whole prompt at the peer');
        const got = Buffer.concat(
          peer.packets
            .filter((p) => p.pt === 0)
            .slice(first, first + frames)
            .map((p) => p.payload),
        );
        assert.ok(got.equals(expected), 'decrypted payload equals the cached prompt');

        // DTMF: keys by RFC 4733 through SRTP, detected by the engine stream as rfc4733.
        const keys: DtmfEvent[] = [];
        stream.on('dtmf', (e) => keys.push(e));
        for (const [event, key] of [
          [1, '1'],
          [10, '*'],
          [5, '5'],
        ] as const) {
          await peer.pressKey(event);
          await until(() => keys.some((k) => k.key === key), `key ${key} detected`);
        }
        assert.deepEqual(
          keys.map((k) => k.key),
          ['1', '*', '5'],
        );
        assert.ok(keys.every((k) => k.source === 'rfc4733'));

        stream.close();
        assert.equal(engine.streamCount, 0, 'closing the leg frees the engine stream');
      } finally {
        await peer.close();
        await engine.close();
      }
    });

    test('a peer that never completes ICE/DTLS: the stream fails with a clear error and is freed', async () => {
      const engine = await testEngine();
      const peer = await WebRtcPeer.open();
      try {
        const sockets = udpSockets();
        const stream = await createWebRtcStream(engine, { logger, host: '127.0.0.1', deferSending: true, connectTimeoutMs: 300, stack }, peer.offer);
        const ice = candidatePort(stream.answer(peer.offer)); // the answer "goes out", the peer never applies it
        assert.ok(bound(ice), 'the ICE socket is open');
        assert.equal(engine.streamCount, 1);
        const failed = nextEvent(stream, 'failed', 5_000);
        stream.activate();
        const [err] = await failed;
        assert.match(err.message, /ICE and DTLS did not complete within 0.3 s/);
        assert.equal(stream.closed, true);
        assert.equal(engine.streamCount, 0, 'the engine stream behind the leg is closed');
        await until(() => udpSockets() <= sockets && !bound(ice), 'every socket of the leg closed');
      } finally {
        await peer.close();
        await engine.close();
      }
    });

    test('an offer it cannot take gets a clear MediaError (488) and leaves nothing behind', async () => {
      const engine = await testEngine();
      const peer = await WebRtcPeer.open();
      try {
        const sockets = udpSockets();
        const opusOnly = peer.offer
          .replace(/^m=audio (\d+) (\S+) .*$/m, 'm=audio $1 $2 111')
          .replace(/^a=rtpmap:(0|8|101) .*\r\n/gm, '')
          .replace(/^a=ssrc:/m, 'a=rtpmap:111 opus/48000/2\r\na=ssrc:');
        const cases: Array<[string, string, RegExp]> = [
          ['Opus only', opusOnly, /NO_COMMON_CODEC/],
          ['no fingerprint', peer.offer.replace(/^a=fingerprint:.*\r\n/m, ''), /BAD_SDP/],
          ['no audio', peer.offer.replace(/^m=audio/m, 'm=video'), /BAD_SDP/],
          ['garbage', 'this is not SDP', /BAD_SDP/],
        ];
        for (const [what, offer, code] of cases) {
          await assert.rejects(
            createWebRtcStream(engine, { logger, host: '127.0.0.1', stack }, offer).then(() => assert.fail(`${what}: accepted`)),
            (err: Error & { code?: string; sipStatus?: number }) => {
              assert.match(String(err.code), code, `${what}: ${err.message}`);
              assert.equal(err.sipStatus, 488, what);
              return true;
            },
          );
          assert.equal(engine.streamCount, 0, `${what}: the engine stream is freed`);
        }
        await until(() => udpSockets() <= sockets, 'every relay socket closed');
      } finally {
        await peer.close();
        await engine.close();
      }
    });

    test('the peer offer carries loopback candidates only (the test peer never uses another interface)', async () => {
      const peer = await WebRtcPeer.open();
      try {
        const candidates = parseSdp(peer.offer).media.flatMap((m) => m.candidates ?? []);
        assert.ok(candidates.length > 0);
        for (const c of candidates) assert.equal(c.ip, '127.0.0.1');
      } finally {
        await peer.close();
      }
    });

    test('ICE answered but the DTLS handshake never completes: the stream fails with a clear error and is freed', async () => {
      const engine = await testEngine();
      const peer = await WebRtcPeer.open(); // only its offer is used: it never sees the answer
      const sock = createSocket('udp4');
      try {
        sock.bind(0, '127.0.0.1');
        await once(sock, 'listening');
        const sockets = udpSockets();
        const stream = await createWebRtcStream(
          engine,
          { logger, host: '127.0.0.1', deferSending: true, connectTimeoutMs: 3_000, stack },
          peer.offer,
        );
        const answer = parseSdp(stream.answer(peer.offer)).media[0]!;
        const cand = answer.candidates![0]!;
        const { iceUfrag: offerUfrag, icePwd: offerPwd } = parseSdp(peer.offer).media[0]!;
        const failed = nextEvent(stream, 'failed', 5_000);
        stream.activate();
        // A connectivity check as a browser sends it (controlling, USE-CANDIDATE), from a socket that answers the
        // leg's own checks (a full ICE agent checks back) and then stays mute to DTLS: the leg must answer the check,
        // and still fail on the handshake.
        const newCheck = () =>
          new Message(methods.BINDING, classes.REQUEST)
            .setAttribute('USERNAME', `${answer.iceUfrag}:${offerUfrag}`)
            .setAttribute('PRIORITY', 1853824767)
            .setAttribute('ICE-CONTROLLING', 12345678901234n)
            .setAttribute('USE-CANDIDATE', null)
            .addMessageIntegrity(Buffer.from(answer.icePwd!, 'utf8'))
            .addFingerprint();
        const check = newCheck();
        const got: Buffer[] = [];
        sock.on('message', (m: Buffer, rinfo) => {
          got.push(m);
          const request = m[0]! < 2 ? parseMessage(m) : undefined;
          if (request?.messageClass !== classes.REQUEST) return;
          const ok = new Message(methods.BINDING, classes.RESPONSE, request.transactionId)
            .setAttribute('XOR-MAPPED-ADDRESS', [rinfo.address, rinfo.port])
            .addMessageIntegrity(Buffer.from(offerPwd!, 'utf8'))
            .addFingerprint();
          sock.send(ok.bytes, rinfo.port, rinfo.address);
          // As a browser does, check (and nominate) again once the leg's own check on this pair got its answer.
          sock.send(newCheck().bytes, rinfo.port, rinfo.address);
        });
        sock.send(check.bytes, Number(cand.port), cand.ip);
        const isOurResponse = (m: Buffer) => {
          const r = m[0]! < 2 ? parseMessage(m) : undefined;
          return r?.messageClass === classes.RESPONSE && r.transactionId.equals(check.transactionId);
        };
        await until(() => got.some(isOurResponse), 'a success response to the check');
        // We answered a=setup:active, so we are the DTLS client: our ClientHello (content type 22) comes, unanswered.
        assert.equal(answer.setup, 'active');
        await until(() => got.some((m) => m[0] === 22), 'a DTLS handshake record from the leg');
        const [err] = await failed;
        assert.match(err.message, /ICE and DTLS did not complete within 3 s/);
        assert.equal(stream.closed, true);
        assert.equal(engine.streamCount, 0, 'the engine stream behind the leg is closed');
        await until(() => udpSockets() <= sockets && !bound(Number(cand.port)), 'every socket of the leg closed');
      } finally {
        sock.close();
        await peer.close();
        await engine.close();
      }
    });
  });
}
