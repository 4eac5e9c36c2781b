/** example-ivr's flow with testFlow (no network): the code path, and `*` reading back the digits typed so far. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFlow, type CallEvent, type DtmfKeyEvent, type FlowCommand } from '@sipflow/runtime/flow';
import { ivrConfig } from '../src/config.js';
import { ivr } from '../src/ivr.js';

const config = ivrConfig.parse({});
const key = (k: DtmfKeyEvent['key']): CallEvent => ({ type: 'dtmf', key: k, source: 'rfc4733' });
const sent = (cmds: FlowCommand[]) => cmds.flatMap((c) => (c.type === 'sendDtmf' ? [c] : []));

test('* reads back the digits typed so far as DTMF and collecting goes on; the right code still says goodbye', () => {
  const t = testFlow(ivr, { input: {}, config });
  assert.deepEqual(
    t.take().map((c) => c.type),
    ['answer', 'play'],
  );
  t.send(key('1')).send(key('2')).send(key('*'));
  assert.deepEqual(sent(t.take()), [{ type: 'sendDtmf', keys: '12', options: { durationMs: 120, gapMs: 100 } }]);
  assert.equal(t.state, 'COLLECT');
  t.send(key('3')).send(key('*'));
  assert.deepEqual(
    sent(t.take()).map((c) => c.keys),
    ['123'],
    'the read-back key is not collected',
  );
  t.send(key('4'));
  assert.equal(t.state, 'GOODBYE');
  assert.deepEqual(
    t.path.filter((s) => s.startsWith('>')),
    [
      '> got INVITE >',
      '> first key >',
      '> one more key >',
      '> read back >',
      '> one more key >',
      '> read back >',
      '> one more key >',
      '> code complete >',
      '> code right >',
    ],
  );
  t.stop();
});

test('* with nothing typed sends nothing: during the greeting, and after a wrong code', () => {
  const t = testFlow(ivr, { input: {}, config });
  t.take();
  t.send(key('*'));
  assert.equal(t.state, 'GREETING', 'the greeting goes on');
  assert.deepEqual(t.take(), []);
  for (const k of ['9', '9', '9', '9'] as const) t.send(key(k));
  assert.equal(t.state, 'COLLECT');
  assert.deepEqual(
    t.take().map((c) => c.type),
    ['flush', 'play'],
    'barge-in, then "wrong"',
  );
  t.send(key('*'));
  assert.deepEqual(t.take(), []);
  assert.equal(t.snapshot.context.entered, '');
  assert.deepEqual(
    t.path.filter((s) => s.startsWith('>')).filter((s) => s.includes('nothing')),
    ['> nothing to read back >', '> nothing to read back >'],
  );
  t.stop();
});

test('config: the read-back key cannot be part of the code', () => {
  assert.equal(ivrConfig.safeParse({ code: '12#' }).success, true);
  const bad = ivrConfig.safeParse({ code: '1*2' });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0]?.path, ['code']);
});
