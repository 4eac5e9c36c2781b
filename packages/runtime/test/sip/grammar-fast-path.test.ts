/** The regex fast path for trivial headers must give exactly what sip.js's grammar gives, for any input. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fastSipUri } from '../../src/sip/grammar-fast-name-addr.js';
import { fastParse } from '../../src/sip/grammar-fast-path.js';
import { referenceGrammar as grammar, seededRandom } from './helpers.js';

it('agrees with the grammar on valid, odd and random values', () => {
  const random = seededRandom(7);
  const alphabet = 'aZ09 @-._!%*+`\'~()<>:\\"/[]?{};,=\t\u00e9';
  const samples = [
    'abc@1.2.3.4',
    '1-12116@127.0.0.1',
    'a@b@c',
    '',
    ' x',
    'x y',
    '12 INVITE',
    '12  INVITE',
    '1 invite',
    '4294967296 BYE',
    '0',
    '70',
    '007',
    '-1',
    '1e3',
    '12',
    'INVITE',
    '99999999999',
  ];
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const n = Math.floor(random() * 12);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
    samples.push(s, `${Math.floor(random() * 1000)} ${s.toUpperCase()}`);
  }
  for (const rule of ['Call_ID', 'CSeq', 'Content_Length', 'Max_Forwards']) {
    for (const s of samples) {
      assert.deepEqual(fastParse(grammar, s, rule), grammar(s, rule), `${rule} ${JSON.stringify(s)}`);
    }
  }
});

it('SIP_URI (a dial target) agrees with the grammar on valid, odd and mutated URIs', () => {
  const random = seededRandom(11);
  const samples = [
    'sip:u1@127.0.0.1:5080',
    'sip:127.0.0.1',
    'sip:127.0.0.1:5060',
    'sips:alice@example.com',
    'sip:bob@example.com;transport=tcp',
    'sip:bob@example.com:5070;transport=TCP;lr',
    'sip:%61lice@host.example',
    'sip:%zz@host',
    'sip:a:b@host',
    'sip:alice@[::1]:5060',
    'sip:alice@host?subject=x',
    'SIP:Alice@Host.Example.COM',
    'tel:+15551234',
    'sip:alice@1.2.3.256',
    'sip:alice@-host',
    'sip:alice@host:99999',
    'sip:alice@host;maddr=10.0.0.1;ttl=5',
    '<sip:alice@host>',
    '',
  ];
  const alphabet = 'aZ09@:;=._-%[]?&<> ';
  for (let i = 0; i < 2000; i++) {
    const base = samples[Math.floor(random() * 6)]!;
    const at = Math.floor(random() * (base.length + 1));
    samples.push(base.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + base.slice(at + (random() < 0.5 ? 1 : 0)));
  }
  for (const s of samples) assert.deepEqual(fastParse(grammar, s, 'SIP_URI'), grammar(s, 'SIP_URI'), JSON.stringify(s));
  // The fast path itself took the usual targets (else the comparison above was the grammar against itself).
  for (const s of samples.slice(0, 7)) assert.ok(fastSipUri(s), `fast path takes ${s}`);
  assert.ok(samples.filter((s) => fastSipUri(s)).length > 100, 'the fast path took many of the mutated URIs');
});
