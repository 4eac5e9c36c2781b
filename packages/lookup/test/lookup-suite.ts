/**
 * The one behavioural suite every backend must pass. Called by sqlite-lookup.test.ts and
 * test/e2e/lookup-mysql.test.ts; `makeUrl` returns the db_url of a fresh, empty database each time.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLookup, ensureSeeded, isLookupError } from '../src/index.js';
import type { CalleeLookup, LookupErrorCode } from '../src/index.js';

export const ODD_CALLERS: readonly string[] = [
  "35'",
  '35"',
  "35' OR '1'='1",
  '35 OR 1=1',
  '35; DROP TABLE callees',
  "35'; DROP TABLE callees; --",
  '35 ',
  ' 35',
  '35\u0000x',
  '35%',
  '%',
  '_5',
  '\\',
  '',
  'ünïcödé-☎-😀',
  '\u202e53',
  'x'.repeat(10 * 1024),
];

export async function rejectsWithCode(p: Promise<unknown>, code: LookupErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isLookupError(err), `expected a LookupError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

export function describeLookupSuite(name: string, makeUrl: () => Promise<string>): void {
  describe(`CalleeLookup (${name})`, () => {
    const opened: CalleeLookup[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((l) => l.close()));
    });

    async function fresh(): Promise<CalleeLookup> {
      const lookup = createLookup(await makeUrl(), { connectTimeoutMs: 2000 });
      opened.push(lookup);
      await lookup.open();
      await lookup.initSchema();
      return lookup;
    }

    test('reports its backend and a health probe that passes', async () => {
      const l = await fresh();
      assert.equal(l.backend, name);
      const h = await l.health();
      assert.equal(h.ok, true, JSON.stringify(h.error));
      assert.equal(h.error, undefined);
    });

    test('an empty table yields no callees; initSchema is idempotent', async () => {
      const l = await fresh();
      await l.initSchema();
      assert.deepEqual(await l.calleesFor('35'), []);
      assert.equal(await l.count(), 0);
    });

    test('the demo seed gives 35 → john then anna, and seeding again adds nothing', async () => {
      const l = await fresh();
      assert.equal(await l.seedDemo(), 2);
      assert.equal(await l.seedDemo(), 0);
      const rows = await l.calleesFor('35');
      assert.deepEqual(
        rows.map((r) => [r.callee, r.pin]),
        [
          ['john', '12345'],
          ['anna', '54321'],
        ],
      );
      assert.ok(rows[0]!.id < rows[1]!.id);
      assert.equal(typeof rows[0]!.id, 'number');
    });

    test('ensureSeeded seeds an empty table only', async () => {
      const l = await fresh();
      assert.equal(await ensureSeeded(l), 2);
      assert.equal(await ensureSeeded(l), 0);
      const other = await fresh();
      await other.add('99', 'zed', '1');
      assert.equal(await ensureSeeded(other), 0);
      assert.deepEqual(await other.calleesFor('35'), []);
    });

    test('add, list, remove by id and by caller+callee; callees ordered by id', async () => {
      const l = await fresh();
      const a = await l.add('40', 'carol', '111');
      const b = await l.add('41', 'dave', '222');
      const c = await l.add('40', 'erin', '3*3#');
      assert.deepEqual(
        (await l.calleesFor('40')).map((r) => r.callee),
        ['carol', 'erin'],
      );
      assert.deepEqual(await l.list('40'), [a, c]);
      assert.deepEqual(await l.list(), [a, b, c]);
      assert.equal(await l.remove(a.id), 1);
      assert.equal(await l.remove(a.id), 0);
      assert.equal(await l.removePair('40', 'erin'), 1);
      assert.equal(await l.removePair('40', 'erin'), 0);
      assert.deepEqual(await l.calleesFor('40'), []);
      assert.deepEqual(await l.list(), [b]);
    });

    test('bad admin input is LOOKUP_BAD_INPUT and inserts nothing', async () => {
      const l = await fresh();
      await rejectsWithCode(l.add('', 'x', '1'), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.add('35', '', '1'), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.add('35', 'x', 'abc'), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.add('35', 'x', ''), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.add('3'.repeat(129), 'x', '1'), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.add('35\u0000', 'x', '1'), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.remove(0), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.remove(1.5), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.calleesFor(undefined as unknown as string), 'LOOKUP_BAD_INPUT');
      await rejectsWithCode(l.calleesFor(35 as unknown as string), 'LOOKUP_BAD_INPUT');
      assert.equal(await l.count(), 0);
    });

    test('odd caller strings (quotes, SQL, unicode, NUL, 10 KB) yield no rows and leave the table intact', async () => {
      const l = await fresh();
      await l.seedDemo();
      await l.add('36', 'bob', '777');
      for (const caller of ODD_CALLERS) {
        assert.deepEqual(await l.calleesFor(caller), [], `caller ${JSON.stringify(caller.slice(0, 40))}`);
        assert.deepEqual(await l.list(caller), []);
        assert.equal(await l.removePair(caller, 'john'), 0);
      }
      assert.equal(await l.count(), 3);
      assert.equal((await l.calleesFor('35')).length, 2);
      assert.equal((await l.health()).ok, true);
    });

    test('unicode and quote-bearing values round-trip exactly', async () => {
      const l = await fresh();
      const values = ['ünïcödé-☎-😀', "o'brien", 'a"b', '35; DROP TABLE callees', '😀'.repeat(64)];
      for (const v of values) await l.add(v, v, '1');
      for (const v of values) {
        const rows = await l.calleesFor(v);
        assert.equal(rows.length, 1, v);
        assert.equal(rows[0]!.callee, v);
      }
      assert.equal(await l.count(), values.length);
    });

    test('many concurrent lookups all answer correctly', async () => {
      const l = await fresh();
      await l.seedDemo();
      await l.add('36', 'bob', '777');
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => l.calleesFor(i % 2 ? '35' : '36')));
      results.forEach((rows, i) => assert.equal(rows.length, i % 2 ? 2 : 1));
    });

    test('after close every call is LOOKUP_CONNECT, health is not ok, close is idempotent', async () => {
      const l = await fresh();
      await l.close();
      await l.close();
      await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_CONNECT');
      await rejectsWithCode(l.add('35', 'x', '1'), 'LOOKUP_CONNECT');
      const h = await l.health();
      assert.equal(h.ok, false);
      assert.equal(h.error?.code, 'LOOKUP_CONNECT');
    });

    test('data persists across close and reopen', async () => {
      const url = await makeUrl();
      const a = createLookup(url);
      opened.push(a);
      await a.open();
      await a.initSchema();
      await a.add('50', 'frank', '42');
      await a.close();
      const b = createLookup(url);
      opened.push(b);
      await b.open();
      assert.deepEqual(
        (await b.calleesFor('50')).map((r) => r.callee),
        ['frank'],
      );
    });

    test('target never shows the password', async () => {
      const l = await fresh();
      assert.ok(!/:[^:@/*]+@/.test(l.target.replace(/^[a-z]+:\/\/[^:@/]*/, '')), l.target);
    });
  });
}
