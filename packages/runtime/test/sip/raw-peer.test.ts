/** The test peer's waits end: next() fails with what it saw instead of hanging until the runner's timeout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawPeer } from './raw-peer.js';

test('RawPeer.next: resolves on a match; past its deadline rejects naming what arrived, and later waits still work', async (t) => {
  const a = await RawPeer.open();
  const b = await RawPeer.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await b.send('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n\r\n', a.port);
  await assert.rejects(
    a.next((m) => m.startsWith('BYE'), 300),
    (err: Error) => {
      assert.equal(err.name, 'DeadlineError');
      assert.match(err.message, /timed out after 300 ms: RawPeer\.next.*received since: OPTIONS sip:x@127\.0\.0\.1 SIP\/2\.0/);
      return true;
    },
  );
  const next = a.next((m) => m.startsWith('INFO'));
  await b.send('INFO sip:x@127.0.0.1 SIP/2.0\r\n\r\n', a.port);
  assert.match(await next, /^INFO /);
});
