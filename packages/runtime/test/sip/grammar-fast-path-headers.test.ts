/**
 * The fast path for Via / From / To / Contact must give exactly what sip.js's grammar gives: same classes, same
 * properties (and key order), same toString(). Differential: many seeded random header values, valid and not.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inspect } from 'node:util';
import { Grammar, Parser } from 'sip.js/lib/core/index.js';
import { fastParse } from '../../src/sip/grammar-fast-path.js';
import { parseSipMessage } from '../../src/sip/sip-message-parser.js';
import { referenceGrammar, seededRandom } from './helpers.js';

type Parse = (input: string, rule: string) => unknown;
const grammar: Parse = referenceGrammar;
const FALLBACK = Symbol('fallback');
const grammarParse = Grammar.parse;

/** inspect shows classes, undefined values and key order; JSON and toString() are compared on top. */
function same(a: unknown, b: unknown, what: string): void {
  assert.equal(inspect(b, { depth: 12, showHidden: false }), inspect(a, { depth: 12, showHidden: false }), what);
  assert.deepStrictEqual(b, a, what);
  assert.equal(JSON.stringify(b), JSON.stringify(a), what);
  const str = (v: unknown): unknown => (Array.isArray(v) ? v.map((x: { parsed?: { toString(): string } }) => x.parsed?.toString()) : String(v));
  assert.deepEqual(str(b), str(a), what);
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    assert.equal(Object.getPrototypeOf(b), Object.getPrototypeOf(a), what);
    const ua = (a as { uri?: object }).uri,
      ub = (b as { uri?: object }).uri;
    if (ua) assert.equal(Object.getPrototypeOf(ub), Object.getPrototypeOf(ua), what);
  }
}

/** Lists hold the values the fast path should take first, then odd ones (`good` says how many are first). */
type Values = { all: readonly string[]; good: number };
const values = (good: string[], odd: string[]): Values => ({ all: [...good, ...odd], good: good.length });

function generator(seed: number): { pick<T>(xs: readonly T[]): T; value(v: Values): string; chance(p: number): boolean } {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  return {
    pick,
    // Mostly common values, so that combinations the fast path takes are many and varied.
    value: (v) => (random() < 0.85 ? pick(v.all.slice(0, v.good)) : pick(v.all)),
    chance: (p: number) => random() < p,
  };
}

const HOSTS = values(
  [
    '127.0.0.1',
    '10.0.0.254',
    '192.168.1.1',
    '255.255.255.255',
    '0.0.0.0',
    'example.com',
    'Host.EXAMPLE.org',
    'a-b.c-d',
    'localhost',
    'h',
    'x1.y2',
    '1a.b',
  ],
  ['256.1.1.1', '01.2.3.4', '1.2.3', 'a_b.com', 'a.1b', 'host.', '-a.com', 'a-.com', '[::1]', '[2001:db8::7]', '1.2.3.4.5', 'ho st'],
);
const PORTS = values(['', '', ':5060', ':5061', ':0', ':65535', ':99999'], [':123456', ':', ':x']);
const USERS = values(
  ['', '', 'alice', 'sipp', '35', 'q12345x1', 'a%41b', 'a%2Fb', "a.b-c_d!~*'()", 'a&b=c+d$', '+4930123'],
  ['%C3', '%zz', 'a;b', 'a?b', 'a:pw', 'x y'],
);
const UPARAMS = values(
  [';transport=UDP', ';transport=udp', ';Transport=TCP', ';transport=tls', ';transport=sctp', ';lr', ';LR', ';x=Y', ';X', ';foo=bar', ';__proto__=x'],
  [
    ';transport=ws',
    ';transport=udpx',
    ';transport',
    ';lr=1',
    ';lrx',
    ';user=phone',
    ';method=INVITE',
    ';ttl=5',
    ';maddr=1.2.3.4',
    ';a%41=b',
    ';x=a:b',
    ';x=[y]',
  ],
);
const HPARAMS = values(
  [';tag=abc123', ';TAG=XyZ', ';tag', ';tagx=1', ';tag=a%41', ';x=1', ';X=Y', ';flag', ';+sip.instance=x', ';a=1.2.3.4'],
  [';tag=', ';q=0.5', ';expires=60', ';Expires=0060', ';a=b c', ';a="q"', ';a=b:c', ' ;x=1', ';x = 1'],
);
const DISPLAYS = values(
  ['', '', '"quizconnect" ', '"" ', '"a b" ', '"a\\"b" ', '"x"', 'sipp ', 'Alice Bob ', 'A\tB ', 'sipp', '"<sip:x@y>" '],
  ['"\u00e9" ', '"unterminated ', 'sip ', 'tel ', 'a@b ', ' '],
);

function uri(g: ReturnType<typeof generator>, withParams: boolean): string {
  const user = g.value(USERS);
  let s = `${g.pick(['sip', 'sip', 'SIP', 'sips', 'tel'])}:${user ? `${user}@` : ''}${g.value(HOSTS)}${g.value(PORTS)}`;
  if (withParams) while (g.chance(0.4)) s += g.value(UPARAMS);
  return s;
}

function nameAddr(g: ReturnType<typeof generator>): string {
  let s = g.chance(0.2) ? uri(g, false) : `${g.value(DISPLAYS)}<${uri(g, true)}>`;
  while (g.chance(0.5)) s += g.value(HPARAMS);
  if (g.chance(0.05)) s += `, <${uri(g, true)}>`;
  return s;
}

const VIA_PARAMS = values(
  [
    ';branch=z9hG4bK-1234-1-0',
    ';Branch=z9hG4bKabc',
    ';branch',
    ';rport',
    ';rport=5060',
    ';RPORT=1',
    ';rportx',
    ';received=1.2.3.4',
    ';x=1',
    ';X=Y',
    ';flag',
    ';branchx=1',
  ],
  [';rport=', ';rport=12x', ';received=h.com', ';received=1.2.3.4x', ';received=[::1]', ';ttl=5', ';maddr=1.2.3.4', ';a="b"', ';a=b:c', ' ;x=1'],
);

function via(g: ReturnType<typeof generator>): string {
  let s = `${g.value(values(['SIP', 'sip'], ['SIPS']))}/${g.value(values(['2.0'], ['3.0', '2']))}/`;
  s += g.value(values(['UDP', 'UDP', 'tcp', 'TLS', 'SCTP', 'WS', 'wss'], ['UDPX', 'FOO', 'U DP']));
  s += `${g.value(values([' '], ['  ', '\t', '']))}${g.value(HOSTS)}${g.value(PORTS)}`;
  while (g.chance(0.6)) s += g.value(VIA_PARAMS);
  return s;
}

function differential(rule: string, make: (g: ReturnType<typeof generator>) => string, fixed: string[]): void {
  const g = generator(rule.length * 7919);
  const inputs = [...fixed];
  for (let i = 0; i < 4000; i++) inputs.push(make(g));
  let fast = 0;
  for (const input of inputs) {
    const expected = grammar(input, rule);
    const viaFast = fastParse(() => FALLBACK, input, rule);
    if (viaFast !== FALLBACK) {
      fast++;
      same(expected, viaFast, `${rule} ${JSON.stringify(input)}`);
    }
    same(expected, fastParse(grammar, input, rule), `${rule} ${JSON.stringify(input)}`);
  }
  // The fast path must actually answer a good share (and every fixed common value).
  assert.ok(fast > inputs.length / 4, `${rule}: only ${fast} of ${inputs.length} took the fast path`);
}

const COMMON_NAME_ADDRS = [
  '"quizconnect" <sip:quizconnect@127.0.0.1:5060>;tag=abc123',
  'sipp <sip:sipp@127.0.0.1:5061>;tag=1234SIPpTag001',
  '<sip:35@127.0.0.1:5060>',
  '<sip:127.0.0.1:5080;transport=UDP>',
  'sip:user@host',
  '<sip:q12345x1@127.0.0.1:5080>;tag=5',
];

it('From and To agree with the grammar', () => {
  for (const rule of ['From', 'To']) {
    differential(rule, nameAddr, COMMON_NAME_ADDRS);
    for (const s of COMMON_NAME_ADDRS)
      assert.notEqual(
        fastParse(() => FALLBACK, s, rule),
        FALLBACK,
        s,
      );
  }
});

it('Contact agrees with the grammar', () => {
  differential('Contact', nameAddr, [...COMMON_NAME_ADDRS, '*', '<sip:a@h>, <sip:b@h>']);
  for (const s of COMMON_NAME_ADDRS)
    assert.notEqual(
      fastParse(() => FALLBACK, s, 'Contact'),
      FALLBACK,
      s,
    );
});

it('Via agrees with the grammar', () => {
  const common = [
    'SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1234-1-0;rport',
    'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-abcdef;rport=5060',
    'SIP/2.0/UDP 127.0.0.1:5080;received=127.0.0.2;rport=5080;branch=z9hG4bK-99-1-5',
    'SIP/2.0/TCP host.example.com;branch=z9hG4bKx',
  ];
  differential('Via', via, common);
  for (const s of common)
    assert.notEqual(
      fastParse(() => FALLBACK, s, 'Via'),
      FALLBACK,
      s,
    );
});

const MESSAGES = [
  `INVITE sip:35@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1234-1-0;rport\r\nFrom: sipp <sip:sipp@127.0.0.1:5061>;tag=1234SIPpTag001\r\nTo: <sip:35@127.0.0.1:5060>\r\nCall-ID: 1-1234@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:sipp@127.0.0.1:5061>\r\nMax-Forwards: 70\r\nSubject: Performance Test\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n`,
  `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-abcdef;rport=5060\r\nFrom: "quizconnect" <sip:quizconnect@127.0.0.1:5060>;tag=abc123\r\nTo: <sip:q12345x1@127.0.0.1:5080>;tag=5678SIPpTag01\r\nCall-ID: deadbeef1234\r\nCSeq: 1 INVITE\r\nContact: <sip:127.0.0.1:5080;transport=UDP>\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n`,
  `INFO sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-99-1-5\r\nFrom: <sip:q12345x1@127.0.0.1:5080>;tag=5678SIPpTag01\r\nTo: "quizconnect" <sip:quizconnect@127.0.0.1:5060>;tag=abc123\r\nCall-ID: deadbeef1234\r\nCSeq: 3 INFO\r\nContact: <sip:127.0.0.1:5080;transport=UDP>\r\nMax-Forwards: 70\r\nContent-Type: application/dtmf-relay\r\nContent-Length: 0\r\n\r\n`,
  `ACK sip:35@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1234-1-5\r\nFrom: sipp <sip:sipp@127.0.0.1:5061>;tag=1234SIPpTag001\r\nTo: <sip:35@127.0.0.1:5060>;tag=sf1\r\nCall-ID: 1-1234@127.0.0.1\r\nCSeq: 1 ACK\r\nContact: sip:sipp@127.0.0.1:5061\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  `SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;received=127.0.0.1;rport=5061;branch=z9hG4bK-1\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-2\r\nRecord-Route: <sip:127.0.0.1;lr>\r\nf: <sip:a@h>;tag=1\r\nt: "B" <sip:b@h>;tag=2\r\ni: c1\r\nCSeq: 7 INVITE\r\nm: <sip:b@127.0.0.1:5090;transport=udp>;expires=60, <sip:c@h>\r\nl: 0\r\n\r\n`,
  `REGISTER sip:127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-3\r\nFrom: "a\\"b" <sip:a%41b@Example.COM>;tag=x;x=1\r\nTo: sip:a@example.com\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n`,
  `BYE sip:35@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061 ;branch=bad\r\nFrom: <sip:a@h;lrx>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: b1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`,
];

/** Not SIP messages: sip.js's parser gives undefined for each, and so must ours. */
const BROKEN = [
  'INVITE sip:a@h SIP/2.0',
  `INVITE sip:a@h\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n`,
  `INVITE sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContact: <sip:a@h\r\n\r\n`,
  `INVITE sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: sip:a@h;tag=1\r\nTo: <sip:b@h\r\n\r\n`,
  `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 INVITE`,
];

it("whole messages: parseSipMessage gives what sip.js's untouched Parser.parseMessage gives", () => {
  const quiet = { debug() {}, log() {}, warn() {}, error() {} };
  // Every header parsed (sip.js parses most lazily); own properties only: ours are subclasses of sip.js's classes.
  const parsedFully = (msg: { headers: Record<string, unknown[]>; parseHeader(n: string, i?: number): unknown } | undefined) => {
    if (!msg) return undefined;
    for (const [name, list] of Object.entries(msg.headers)) for (let i = 0; i < list.length; i++) msg.parseHeader(name, i);
    return { ...msg };
  };
  for (const data of MESSAGES) {
    const theirs = Parser.parseMessage(data, quiet as never);
    const ours = parseSipMessage(data);
    // sip.js refuses a whole message over one bad Contact (`Contact: *` among them): so must we.
    assert.equal(ours === undefined, theirs === undefined, data);
    if (!theirs || !ours) continue;
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(ours)), Object.getPrototypeOf(theirs), data);
    const without = parsedFully(theirs);
    const withFast = parsedFully(ours);
    assert.equal(inspect(withFast, { depth: 12 }), inspect(without, { depth: 12 }), data);
    assert.deepStrictEqual(withFast, without, data);
    // A kept Content-Length of 0 is answered as kept (sip.js would parse it again: same value).
    if (ours.hasHeader('content-length')) assert.equal(ours.parseHeader('content-length'), theirs.parseHeader('content-length'));
  }
  for (const data of BROKEN) {
    assert.equal(Parser.parseMessage(data, quiet as never), undefined, data);
    assert.equal(parseSipMessage(data), undefined, data);
  }
  // Nothing of sip.js was replaced to get there.
  assert.equal(Grammar.parse, grammarParse);
});

function startLine(g: ReturnType<typeof generator>): string {
  if (g.chance(0.5)) {
    const code = g.value(values(['100', '180', '183', '200', '202', '481', '486', '487', '503', '699'], ['099', '700', '20', '2000']));
    const reason = g.value(values(['OK', 'Ringing', 'Session Progress', 'Request Terminated', 'Busy Here', ''], ['a;b', '\u00c7a', 'x\ty']));
    return `${g.value(values(['SIP/2.0', 'sip/2.0'], ['SIP/3.0', 'SIP/2.0 ']))} ${code}${g.chance(0.95) ? ' ' : ''}${reason}`;
  }
  const method = g.value(
    values(
      ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'REGISTER', 'UPDATE', 'PRACK', 'MESSAGE', 'NOTIFY', 'REFER'],
      ['invite', 'INVITEX', 'BYES', 'ACKS', 'IN FO', ''],
    ),
  );
  return `${method} ${uri(g, true)} ${g.value(values(['SIP/2.0', 'sip/2.0'], ['SIP/3.0', 'SIP/2.0 ', 'SIP/2']))}`;
}

it('the start line (Request_Response) agrees with the grammar', () => {
  const common = [
    'INVITE sip:35@127.0.0.1:5060 SIP/2.0',
    'SIP/2.0 200 OK',
    'SIP/2.0 180 Ringing',
    'ACK sip:127.0.0.1:5080;transport=UDP SIP/2.0',
    'INFO sip:127.0.0.1:5060 SIP/2.0',
    'BYE sip:q1@127.0.0.1:5080 SIP/2.0',
    'SIP/2.0 487 Request Terminated',
  ];
  differential('Request_Response', startLine, common);
  for (const s of common)
    assert.notEqual(
      fastParse(() => FALLBACK, s, 'Request_Response'),
      FALLBACK,
      s,
    );
});

it('Content-Type agrees with the grammar', () => {
  const types = values(
    ['application', 'Application', 'text', 'audio', 'video', 'image', 'message', 'multipart'],
    ['applicationx', 'x-foo', 'texts', 'app lication', ''],
  );
  const subtypes = values(['sdp', 'SDP', 'dtmf-relay', 'plain', 'mixed', 'pidf+xml'], ['', 'a b', 'x/y', 'sdp ']);
  const common = ['application/sdp', 'application/dtmf-relay'];
  differential('Content_Type', (g) => `${g.value(types)}/${g.value(subtypes)}${g.value(values([''], [';charset=UTF-8', ' ;a=b']))}`, common);
  for (const s of common)
    assert.notEqual(
      fastParse(() => FALLBACK, s, 'Content_Type'),
      FALLBACK,
      s,
    );
});
