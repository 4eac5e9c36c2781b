import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncomingRequestMessage } from 'sip.js/lib/core/index.js';
import { serverTransactionKey } from '../../src/sip/transaction-key.js';
import type { Remote } from '../../src/sip/transport.js';
import { parseSipMessage } from '../../src/sip/sip-message-parser.js';

const here: Remote = { address: '127.0.0.1', port: 5070, transport: 'udp' };

function parse(method: string, via: string, extra = ''): IncomingRequestMessage {
  const text = [
    `${method} sip:35@127.0.0.1 SIP/2.0`,
    `Via: ${via}`,
    'From: <sip:a@127.0.0.1>;tag=f1',
    `To: <sip:35@127.0.0.1>${extra}`,
    'Call-ID: k1',
    `CSeq: 1 ${method}`,
    'Contact: <sip:a@127.0.0.1>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const m = parseSipMessage(text);
  assert.ok(m instanceof IncomingRequestMessage);
  return m;
}
const key = (m: IncomingRequestMessage, remote = here, as?: string) => serverTransactionKey(m, remote, 'sip:35@127.0.0.1', as);

test('branch + sent-by + source: the ACK and a CANCEL (as INVITE) of the same client match its INVITE', () => {
  const via = 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1';
  const invite = key(parse('INVITE', via));
  assert.equal(key(parse('ACK', via, ';tag=t')), invite);
  assert.equal(key(parse('CANCEL', via), here, 'INVITE'), invite);
  assert.notEqual(key(parse('CANCEL', via)), invite, 'the CANCEL has a transaction of its own');
  assert.equal(key(parse('INVITE', 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1')), key(parse('INVITE', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1')));
});

test('the same branch from another sent-by, another source address or transport, or for another method is another transaction', () => {
  const via = 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1';
  const invite = key(parse('INVITE', via));
  assert.notEqual(key(parse('INVITE', 'SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK-1')), invite);
  assert.notEqual(key(parse('INVITE', via), { ...here, address: '127.0.0.2' }), invite);
  assert.notEqual(key(parse('INVITE', via), { ...here, transport: 'tcp' }), invite);
  assert.notEqual(key(parse('BYE', via)), invite);
  assert.equal(key(parse('INVITE', via), { ...here, port: 6000 }), invite, 'the source port is not part of it');
});

test('RFC 2543 fallback: without a magic cookie, Request-URI, From tag, Call-ID, CSeq and the Via identify it', () => {
  const invite = key(parse('INVITE', 'SIP/2.0/UDP 127.0.0.1:5070'));
  assert.match(invite, /^2543\|/);
  assert.equal(key(parse('ACK', 'SIP/2.0/UDP 127.0.0.1:5070', ';tag=t')), invite);
  assert.notEqual(key(parse('INVITE', 'SIP/2.0/UDP 127.0.0.1:5071')), invite);
  assert.notEqual(key(parse('INVITE', 'SIP/2.0/UDP 127.0.0.1:5070;branch=old-1')), invite);
});
