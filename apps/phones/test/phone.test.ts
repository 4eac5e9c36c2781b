/** The phone flow with testFlow() (no network): rings, answers, types the called user's PIN, or only listens. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFlow } from '@sipflow/runtime/flow';
import { parsePins, phonesConfig } from '../src/config.js';
import { phone } from '../src/phone.js';

const config = phonesConfig.parse({ answer_after: 0, type_after: 0 });

test('the phone called as john rings, answers and types his PIN, then stays on the line until the hangup', async () => {
  const t = testFlow(phone, { input: {}, config, call: { user: 'john' } });
  await t.waitForState('TALKING');
  assert.deepEqual(t.take(), [{ type: 'progress', code: 180, earlyMedia: false }, { type: 'answer' }, { type: 'sendDtmf', keys: '12345' }]);
  t.send({ type: 'sip.hangup', reason: 'bye' });
  assert.ok(t.done);
  assert.deepEqual(t.path, ['START', '> got INVITE >', 'RINGING', '> picked up >', 'ANSWERED', '> typed the PIN >', 'TALKING', '> hung up >', 'END']);
});

test('a user with no PIN answers and listens; pins are parsed from user=PIN pairs; a bad pins value is refused', async () => {
  const t = testFlow(phone, { input: {}, config, call: { user: 'anna' } });
  await t.waitForState('TALKING');
  assert.deepEqual(
    t.take().map((c) => c.type),
    ['progress', 'answer'],
  );
  t.stop();
  assert.deepEqual(parsePins(' john=12345, anna=54321#'), { john: '12345', anna: '54321#' });
  assert.equal(phonesConfig.safeParse({ pins: 'john:12345' }).success, false);
  assert.equal(phonesConfig.safeParse({ pins: '' }).success, true);
});
