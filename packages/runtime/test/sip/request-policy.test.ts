/** The header and body rules checked on a request's raw text before any transaction sees it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsSdp, headerRefusal, inviteBodyRefusal } from '../../src/sip/request-policy.js';

function msg(headers: string[], body = ''): string {
  return ['INVITE sip:a@127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1', ...headers, '', body].join('\r\n');
}

function view(headers: Record<string, string[]>, body = '') {
  return {
    body,
    getHeader: (n: string) => headers[n.toLowerCase()]?.[0],
    getHeaders: (n: string) => headers[n.toLowerCase()] ?? [],
  };
}

test('one value per single-valued header (compact forms and case included); folded lines are one header', () => {
  assert.equal(headerRefusal(msg(['Call-ID: a', 'CSeq: 1 INVITE', 'Max-Forwards: 70', 'Content-Length: 0'])), undefined);
  assert.equal(headerRefusal(msg(['Call-ID: a', 'i: b']))?.reason, 'Multiple Call-ID headers');
  assert.equal(headerRefusal(msg(['Content-Length: 13', 'l: 5']))?.code, 400);
  assert.equal(headerRefusal(msg(['To: <sip:a@b>', 'TO : <sip:c@d>']))?.reason, 'Multiple To headers');
  assert.equal(headerRefusal(msg(['Contact: <sip:a@b>', 'Contact: <sip:c@d>'])), undefined, 'Contact may repeat');
  assert.equal(headerRefusal(msg(['CSeq: 1', '  INVITE', 'Max-Forwards: 70'])), undefined);
  // The body is not headers.
  assert.equal(headerRefusal(msg(['Content-Length: 14'], 'Call-ID: x\r\n\r\n')), undefined);
});

test('numbers in range: CSeq < 2^31, Max-Forwards <= 255, Content-Length and Expires < 2^32', () => {
  assert.equal(headerRefusal(msg(['CSeq: 2147483647 INVITE'])), undefined);
  assert.equal(headerRefusal(msg(['CSeq: 2147483648 INVITE']))?.reason, 'CSeq number out of range');
  assert.equal(headerRefusal(msg(['CSeq: 36893488147419103232 REGISTER']))?.code, 400);
  assert.equal(headerRefusal(msg(['Max-Forwards: 255'])), undefined);
  assert.equal(headerRefusal(msg(['Max-Forwards: 300']))?.reason, 'Max-Forwards out of range');
  assert.equal(headerRefusal(msg(['Content-Length: 13, 5']))?.reason, 'Content-Length out of range');
  assert.equal(headerRefusal(msg(['Content-Length: -999']))?.code, 400);
  assert.equal(headerRefusal(msg(['Expires: 4294967295'])), undefined);
  assert.equal(headerRefusal(msg(['Expires: 10000000000000000000000']))?.reason, 'Expires out of range');
});

test('Accept: absent or covering SDP takes it; a list without it, or q=0, does not', () => {
  assert.equal(acceptsSdp([]), true);
  for (const a of ['application/sdp', 'APPLICATION/SDP', 'text/plain, application/sdp;level=1', 'application/*', '*/*']) {
    assert.equal(acceptsSdp([a]), true, a);
  }
  for (const a of ['text/nobodyKnowsThis', 'application/sdp;q=0', 'application/sdpx', '*/*, application/sdp;q=0']) {
    assert.equal(acceptsSdp([a]), false, a);
  }
});

test('an INVITE body must be labelled SDP: none, another type or an encoding → 415 with Accept; an Accept without SDP → 406', () => {
  assert.equal(inviteBodyRefusal(view({ 'content-type': ['application/sdp'] }, 'v=0\r\n')), undefined);
  assert.equal(inviteBodyRefusal(view({})), undefined, 'no body (delayed offer)');
  assert.deepEqual(inviteBodyRefusal(view({}, 'v=0\r\n')), { code: 415, reason: 'Unsupported Media Type', headers: ['Accept: application/sdp'] });
  assert.equal(inviteBodyRefusal(view({ 'content-type': ['text/plain'] }, 'v=0\r\n'))?.code, 415);
  assert.equal(inviteBodyRefusal(view({ 'content-type': ['application/unknownformat'] }, '<audio/>'))?.code, 415);
  assert.deepEqual(inviteBodyRefusal(view({ 'content-type': ['application/sdp'], 'content-encoding': ['gzip'] }, 'x'))?.headers, [
    'Accept-Encoding: identity',
    'Accept: application/sdp',
  ]);
  assert.equal(inviteBodyRefusal(view({ accept: ['text/nobodyKnowsThis'], 'content-type': ['application/sdp'] }, 'v=0\r\n'))?.code, 406);
});
