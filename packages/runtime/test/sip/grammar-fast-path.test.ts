/** The regex fast path for trivial headers must give exactly what sip.js's grammar gives, for any input. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
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
