/**
 * The values imported flows compute at run time: DSM comparisons, event parameters, selects, mod_utils / mod_sys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cmp, evalSum, inc, p, sel, utils, type DsmContext } from '../src/runtime/index.js';

describe('DSM values at run time', () => {
  it('test() comparisons: prefix*, numbers as numbers when both are numbers, strings otherwise', () => {
    assert.equal(cmp('0049301234', '==', '0049*'), true);
    assert.equal(cmp('0049301234', '!=', '0049*'), false);
    assert.equal(cmp('9', '<', '10'), true, 'numerically');
    assert.equal(cmp('b', '<', 'a10'), false, 'as strings');
    assert.equal(cmp('', '==', '0'), false, 'unset is not 0');
    assert.equal(cmp('2.5', '>=', '2.50'), true);
  });

  it('#key numbers keys as DSM does; other parameters come from the event or its params', () => {
    assert.equal(p({ type: 'dtmf', key: '*' } as never, 'key'), '10');
    assert.equal(p({ type: 'dtmf', key: '#' } as never, 'key'), '11');
    assert.equal(p({ type: 'dtmf', key: '7' } as never, 'key'), '7');
    assert.equal(p({ type: 'error', code: 'PROMPT_UNREADABLE', message: 'x' } as never, 'type'), 'file');
    assert.equal(p({ type: 'dsm.a_status', params: { a_status: 'CANCEL' } } as never, 'a_status'), 'CANCEL');
    assert.equal(p({ type: 'call.failed', code: 486 } as never, 'code'), '486');
    assert.equal(p({ type: 'call.started' } as never, 'nothing'), '');
  });

  it('@selects from the call', () => {
    const c = {
      call: { id: 'c1', user: '35', from: '<sip:a@x>', to: '<sip:35@x>', requestUri: 'sip:35@x', direction: 'inbound', transport: 'udp' },
      self: { id: 'leg-1', flow: 'f' },
    };
    const ctx = c as unknown as DsmContext<unknown>;
    assert.deepEqual(
      ['local_tag', 'user', 'from', 'ruri', 'unknown'].map((s) => sel(ctx, s)),
      ['leg-1', '35', '<sip:a@x>', 'sip:35@x', ''],
    );
  });

  it('eval, inc and the mod_utils / mod_sys values', () => {
    assert.equal(evalSum('3 + 4'), '7');
    assert.equal(evalSum('10-12'), '-2');
    assert.equal(evalSum('a+b'), 'a+b', 'not a sum: the text');
    assert.equal(inc(''), '1');
    assert.equal(inc('41'), '42');
    assert.equal(utils.arith('add', '10', '2.5'), '12.5');
    assert.equal(utils.arith('mul', '12.5', '3'), '36');
    assert.equal(utils.arith('int', '', '7.9'), '7');
    assert.equal(utils.md5('abc'), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(utils.replace('a;b;c', ';', ','), 'a,b,c');
    assert.deepEqual(utils.split('x', 'a,b', ','), { 'x[0]': 'a', 'x[1]': 'b' });
    assert.deepEqual(Object.keys(utils.split('x', 'ab', '')), ['x[0]', 'x[1]']);
    const r = Number(utils.rand('6'));
    assert.ok(Number.isInteger(r) && r >= 0 && r < 6);
    assert.match(utils.newId(), /^[0-9a-f-]{36}$/);
    const ts = utils.timestamp('now');
    assert.ok(Math.abs(Number(ts['now.tv_sec']) - Date.now() / 1000) < 5);
  });
});
