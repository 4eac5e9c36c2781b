/**
 * Admission that keeps its word, against the real server (quizconnect) on loopback: an INVITE is admitted only when
 * its whole call can be carried — its own RTP stream and those of the callee legs its flow will dial — and refused
 * at once with 503 and Retry-After otherwise, rather than admitted and then ended with 480 when its callee legs find
 * no RTP port. Here the RTP range holds 4 port pairs; a quizconnect call with two callees needs 3.
 */
// Media engine: both modes — admission counts the RTP ports the media engine has free, per worker or on the main thread.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSippPassed, withQuiz } from '../support/quizconnect-harness.js';
import { freeMediaPorts } from '../support/ports.js';
import { RawPeer, header, toTagOf } from '../../packages/runtime/test/sip/raw-peer.js';

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0', ''].join('\r\n');

function request(method: 'INVITE' | 'CANCEL' | 'ACK', peer: RawPeer, target: string, id: string, toTag = ''): string {
  const body = method === 'INVITE' ? SDP : '';
  return [
    `${method} sip:35@${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-${id};rport`,
    `From: <sip:caller@127.0.0.1>;tag=${id}`,
    `To: <sip:35@${target}>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${id}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:caller@127.0.0.1:${peer.port}>`,
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const answer = (code: number, method: string, id: string) => (m: string) =>
  m.startsWith(`SIP/2.0 ${code} `) && new RegExp(`^CSeq:\\s*1 ${method}\\s*$`, 'im').test(m) && header(m, 'Call-ID') === `${id}@127.0.0.1`;
async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!pred() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return pred();
}

describe('admission counts the RTP ports of the legs a call will need (real server)', () => {
  it('a second call that would not find ports for its callee legs gets 503 + Retry-After at once, not a 480 later', async () => {
    const base = await freeMediaPorts(8);
    // One media worker (or none): the range is split between workers, and a call's legs share one.
    const mediaWorkers = process.env.SIPFLOW_MEDIA_WORKERS === '0' ? 0 : 1;
    await withQuiz({ rtpPorts: [base, base + 7], mediaWorkers }, async (h) => {
      const callees = await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' } });
      const first = await RawPeer.open();
      const second = await RawPeer.open();
      try {
        const target = `${h.server.sip.host}:${h.server.sip.port}`;
        const port = h.server.sip.port;
        await first.send(request('INVITE', first, target, 'adm-1'), port);
        await first.next(answer(183, 'INVITE', 'adm-1'));
        await h.waitRecord((r) => r.flow === 'quizconnect_callee' && r.requestUri.startsWith('sip:anna@'), 'the first call dialled both callees');
        // The callee legs' streams are created as their INVITEs go out (no event for it: the count is polled).
        assert.ok(
          await until(() => h.server.media.streamCount === 3, 10_000),
          `the caller and two callees hold 3 of the 4 port pairs (${h.server.media.streamCount})`,
        );

        await second.send(request('INVITE', second, target, 'adm-2'), port);
        const refused = await second.next((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && header(m, 'Call-ID') === 'adm-2@127.0.0.1');
        assert.match(refused, /^SIP\/2\.0 503 /, refused.split('\r\n')[0]);
        assert.match(header(refused, 'Retry-After') ?? '', /^\d+$/, 'with Retry-After');
        assert.equal(
          second.count((m) => m.startsWith('SIP/2.0 183 ')),
          0,
          'refused at once, before any early media',
        );
        await second.send(request('ACK', second, target, 'adm-2', toTagOf(refused)), port);
        assert.equal(h.records('quizconnect_caller').filter((r) => r.requestUri.startsWith('sip:35@')).length, 1, 'no leg for the refused call');

        await first.send(request('CANCEL', first, target, 'adm-1'), port);
        const terminated = await first.next(answer(487, 'INVITE', 'adm-1'));
        await first.send(request('ACK', first, target, 'adm-1', toTagOf(terminated)), port);
        await assertSippPassed(callees, 'callees (CANCELled by the server)');
        await h.idle();
        const callees480 = h.records('quizconnect_callee').filter((r) => r.endReason && JSON.stringify(r.endReason).includes('NO_PORTS'));
        assert.equal(callees480.length, 0, 'no callee leg failed for lack of ports');
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
});
