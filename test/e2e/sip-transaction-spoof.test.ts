/**
 * Transactions are matched by branch + sent-by + method (RFC 3261 §17.2.3), against the real server (quizconnect) on
 * loopback. A caller (raw UDP peer) rings two callees (sipp); strangers who know its branch, Call-ID, From tag and
 * CSeq then try to take over its transaction:
 *   - CANCEL with the caller's Via copied verbatim, from another host (127.0.0.2) → 481, the call goes on;
 *   - CANCEL with the same branch but the stranger's own sent-by → 481, the call goes on;
 *   - a new INVITE reusing the caller's branch from another sent-by → a transaction of its own (quizconnect answers
 *     it: 404, no rows for its number), not a retransmission swallowed without an answer;
 *   - after the caller's own CANCEL (200, 487), an ACK copied from another host does not stop the 487's
 *     retransmissions (Timer G): only the caller's ACK does.
 */
// Media engine: both modes — quizconnect rings two callees, each leg with an engine stream, while strangers try its transaction.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSippPassed, withQuiz } from '../support/quizconnect-harness.js';
import { RawPeer, header, toTagOf } from '../../packages/runtime/test/sip/raw-peer.js';

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0', ''].join('\r\n');

interface Request {
  method: 'INVITE' | 'CANCEL' | 'ACK';
  user: string;
  target: string;
  via: string;
  callId: string;
  fromTag: string;
  toTag?: string;
}

function request({ method, user, target, via, callId, fromTag, toTag }: Request): string {
  const body = method === 'INVITE' ? SDP : '';
  return [
    `${method} sip:${user}@${target} SIP/2.0`,
    `Via: ${via}`,
    `From: <sip:caller@127.0.0.1>;tag=${fromTag}`,
    `To: <sip:${user}@${target}>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:caller@127.0.0.1>',
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const answer = (code: number, method: string, callId: string) => (m: string) =>
  m.startsWith(`SIP/2.0 ${code} `) && new RegExp(`^CSeq:\\s*1 ${method}\\s*$`, 'im').test(m) && header(m, 'Call-ID') === callId;

describe('transaction matching by branch + sent-by + method (real server)', () => {
  it("strangers copying a caller's branch neither cancel its call nor stop its answers, and get their own transactions", () =>
    withQuiz({}, async (h) => {
      const callees = await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' } });
      const caller = await RawPeer.open();
      const elsewhere = await RawPeer.open('127.0.0.2');
      const stranger = await RawPeer.open();
      try {
        const target = `${h.server.sip.host}:${h.server.sip.port}`;
        const port = h.server.sip.port;
        const branch = 'z9hG4bK-victim-1';
        const victim = { user: '35', target, callId: 'spoof-victim@127.0.0.1', fromTag: 'victim1' };
        const via = `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=${branch};rport`;
        await caller.send(request({ method: 'INVITE', via, ...victim }), port);
        const early = await caller.next(answer(183, 'INVITE', victim.callId));
        assert.match(early, /m=audio/);
        await h.waitRecord((r) => r.flow === 'quizconnect_callee' && r.requestUri.startsWith('sip:anna@'), 'the callees dialled');

        // The caller's Via copied verbatim, sent from another host: no transaction of that source.
        await elsewhere.send(request({ method: 'CANCEL', via, ...victim }), port);
        await elsewhere.next(answer(481, 'CANCEL', victim.callId));
        // The same branch under the stranger's own sent-by: another transaction (none).
        const strangerVia = `SIP/2.0/UDP 127.0.0.1:${stranger.port};branch=${branch};rport`;
        await stranger.send(request({ method: 'CANCEL', via: strangerVia, ...victim }), port);
        await stranger.next(answer(481, 'CANCEL', victim.callId));

        // A new INVITE reusing the branch from another sent-by is a new transaction: it gets its own answers.
        const other = { user: '99', target, callId: 'spoof-reuse@127.0.0.1', fromTag: 'reuse1' };
        await stranger.send(request({ method: 'INVITE', via: strangerVia, ...other }), port);
        await stranger.next(answer(100, 'INVITE', other.callId));
        const notFound = await stranger.next(answer(404, 'INVITE', other.callId));
        await stranger.send(request({ method: 'ACK', via: strangerVia, ...other, toTag: toTagOf(notFound) }), port);

        assert.equal(
          caller.count((m) => /^SIP\/2\.0 (487|[45]\d\d) /.test(m)),
          0,
          'no final answer to the caller yet',
        );
        assert.equal(elsewhere.count((m) => m.startsWith('SIP/2.0 200 ')) + stranger.count((m) => /^SIP\/2\.0 200 /.test(m)), 0);
        const record = h.records('quizconnect_caller').find((r) => r.requestUri.startsWith('sip:35@'));
        assert.ok(record, 'the caller leg exists');
        assert.equal(record.endedAt, undefined, 'the call goes on');

        // The caller's own CANCEL works; an ACK copied from elsewhere does not stop the 487's retransmissions.
        await caller.send(request({ method: 'CANCEL', via, ...victim }), port);
        await caller.next(answer(200, 'CANCEL', victim.callId));
        const terminated = await caller.next(answer(487, 'INVITE', victim.callId));
        const ack = request({ method: 'ACK', via, ...victim, toTag: toTagOf(terminated) });
        await elsewhere.send(ack, port);
        await caller.next(answer(487, 'INVITE', victim.callId)); // Timer G: re-sent after T1
        await caller.send(ack, port);
        await assertSippPassed(callees, 'callees (CANCELled by the server)');
        await h.idle();
        assert.equal(h.records('quizconnect_caller').find((r) => r.requestUri.startsWith('sip:35@'))!.outcome, 'cancelled');
      } finally {
        await caller.close();
        await elsewhere.close();
        await stranger.close();
      }
    }));
});
