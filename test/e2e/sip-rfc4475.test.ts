/**
 * Bodies and headers as the RFCs say, against the real server (quizconnect) on loopback: RFC 4475 §3 torture
 * messages from our own corpus (test/fixtures/rfc4475, see its README) and the INVITE bodies of the hardening
 * issue, sent over UDP by a raw peer. The Via's sent-by of each corpus message is pointed at the test's socket (the
 * RFC's hosts are not on loopback); nothing else is changed.
 *   sdp01 (Accept excludes SDP) → 406; invut (unknown body type) → 415 with Accept; mcl01 (two Content-Length),
 *   multi01 (two Call-ID/CSeq/To/From/Max-Forwards), scalar02 (overlarge CSeq, Max-Forwards, Expires) → 400;
 *   an SDP body without Content-Type or as text/plain → 415 with Accept: application/sdp; unksm2 (a REGISTER with
 *   unknown URI schemes in To, From and Contact: well-formed) → 405 with Allow, as we serve no REGISTER. No call is
 *   created.
 * The valid longreq (long values, a top Via without branch) and inv2543 (RFC 2543: no branch, From tag or Contact)
 * are processed: they reach the flow, which answers by its own rules.
 */
// Media engine: both modes — the valid torture messages reach quizconnect's flow, which opens engine streams.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { withQuiz } from '../support/quizconnect-harness.js';
import { RawPeer, header } from '../../packages/runtime/test/sip/raw-peer.js';

const corpus = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/rfc4475/${name}.dat`, import.meta.url)), 'latin1');

/** Point the top Via at the raw peer (UDP), keep its branch. */
function viaToPeer(message: string, port: number): string {
  return message.replace(/^(Via|v)[ \t]*:[ \t]*SIP\/2\.0\/\w+[ \t]+[^;\r\n]+/im, `Via: SIP/2.0/UDP 127.0.0.1:${port}`);
}

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', ''].join('\r\n');

function invite(port: number, target: string, id: string, contentType: string | undefined): string {
  return [
    `INVITE sip:35@${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${id};rport`,
    `From: <sip:caller@127.0.0.1:${port}>;tag=${id}`,
    `To: <sip:35@${target}>`,
    `Call-ID: ${id}@127.0.0.1`,
    'CSeq: 1 INVITE',
    `Contact: <sip:caller@127.0.0.1:${port}>`,
    'Max-Forwards: 70',
    ...(contentType ? [`Content-Type: ${contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(SDP)}`,
    '',
    SDP,
  ].join('\r\n');
}

const finalTo = (callId: string) => (m: string) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && header(m, 'Call-ID') === callId;

describe('bodies and headers as the RFCs say (RFC 4475 corpus, real server)', () => {
  it('the torture messages and the bad INVITE bodies get 400/406/415, and make no call', () =>
    withQuiz({}, async (h) => {
      const peer = await RawPeer.open();
      try {
        const target = `${h.server.sip.host}:${h.server.sip.port}`;
        const cases: Array<[string, number, string | undefined]> = [
          // unksm2: a well-formed REGISTER whose To, From and Contact use schemes we do not know; we serve no REGISTER.
          ['unksm2', 405, undefined],
          ['sdp01', 406, undefined],
          ['invut', 415, 'application/sdp'],
          ['mcl01', 400, undefined],
          ['multi01', 400, undefined],
          ['scalar02', 400, undefined],
        ];
        for (const [name, code, accept] of cases) {
          await peer.send(viaToPeer(corpus(name), peer.port), h.server.sip.port);
          // multi01 has two Call-IDs: the answer may copy either; both start with the message's name.
          const answer = await peer.next((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && (header(m, 'Call-ID') ?? '').startsWith(`${name}.`));
          assert.equal(Number(answer.split(' ')[1]), code, `${name}: ${answer.split('\r\n')[0]}`);
          if (accept) assert.equal(header(answer, 'Accept'), accept, `${name}: Accept`);
          if (code === 405) assert.match(header(answer, 'Allow') ?? '', /\bINVITE\b/, `${name}: Allow`);
        }
        for (const [id, type] of [
          ['no-content-type', undefined],
          ['text-plain', 'text/plain'],
        ] as const) {
          await peer.send(invite(peer.port, target, id, type), h.server.sip.port);
          const answer = await peer.next(finalTo(`${id}@127.0.0.1`));
          assert.match(answer, /^SIP\/2\.0 415 /, `${id}: ${answer.split('\r\n')[0]}`);
          assert.equal(header(answer, 'Accept'), 'application/sdp');
        }
        assert.equal(h.server.registry.list({ ended: true }).length, 0, 'no call was created');
      } finally {
        await peer.close();
      }
    }));

  it('the valid longreq and inv2543 (no branch, no From tag, no Contact: RFC 2543) are processed: the flow answers them', () =>
    withQuiz({}, async (h) => {
      const peer = await RawPeer.open();
      try {
        for (const [name, user] of [
          ['longreq', 'user'],
          ['inv2543', 'UserB'],
        ] as const) {
          await peer.send(viaToPeer(corpus(name), peer.port), h.server.sip.port);
          const callId = (header(corpus(name), 'Call-ID') ?? header(corpus(name), 'i'))!;
          await peer.next((m) => m.startsWith('SIP/2.0 100 ') && header(m, 'Call-ID') === callId);
          // quizconnect has no callee rows for these numbers: its own rule (C4) answers 404.
          const answer = await peer.next(finalTo(callId));
          assert.match(answer, /^SIP\/2\.0 404 /, `${name}: ${answer.split('\r\n')[0]}`);
          const record = await h.waitRecord((r) => r.requestUri.startsWith(`sip:${user}@`) && r.endedAt !== undefined, `${name} in the registry`);
          assert.equal(record.flow, 'quizconnect_caller');
          // Its ACK, as the client would send it (RFC 2543: matched to the INVITE by the §17.2.3 fallback).
          const toTag = /;\s*tag=([^;\s>]+)/.exec(header(answer, 'To') ?? '')?.[1] ?? '';
          const ack = viaToPeer(corpus(name), peer.port)
            .replace(/^INVITE /, 'ACK ')
            .replace(/^CSeq: (\d+) INVITE/m, 'CSeq: $1 ACK')
            .replace(/^(To: [^\r\n]*)/m, `$1;tag=${toTag}`)
            .replace(/\r\n\r\n[\s\S]*$/, '\r\n\r\n')
            .replace(/^(Content-Type|l|Content-Length)[ \t]*:[^\r\n]*\r\n/gim, '');
          await peer.send(ack, h.server.sip.port);
        }
        await h.idle();
      } finally {
        await peer.close();
      }
    }));
});
