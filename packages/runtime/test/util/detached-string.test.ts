import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detachedString } from '../../src/util/index.js';

describe('detachedString', () => {
  it('copies any string exactly: a slice, a concatenation, non-ASCII and lone surrogates', () => {
    const message = 'INVITE sip:35@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\n'.repeat(4);
    const branch = message.slice(message.indexOf('z9hG4bK'), message.indexOf('\r\n', message.indexOf('z9hG4bK')));
    for (const s of [branch, `in|${branch}|127.0.0.1:5060|INVITE`, '', 'Grüße ☎ 📞', 'a\ud800b', '\udfff', '"\\\n']) {
      assert.equal(detachedString(s), s);
    }
  });
});
