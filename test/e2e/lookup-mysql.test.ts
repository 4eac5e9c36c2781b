/** The lookup suite against a real private MariaDB, plus what only a server can do: go away and come back. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { createLookup } from '../../packages/lookup/src/index.js';
import type { CalleeLookup, LookupLogger } from '../../packages/lookup/src/index.js';
import { describeLookupSuite, rejectsWithCode } from '../../packages/lookup/test/lookup-suite.js';
import { startMariaDb, type MariaDb } from '../support/mariadb.js';
import { freePort } from '../support/ports.js';

let db: MariaDb;
before(async () => {
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

describeLookupSuite('mysql', () => db.newDatabase());

function recordingLogger(): LookupLogger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (_obj: object, msg?: string) => void lines.push(`${level} ${msg ?? ''}`);
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

describe('MySQL specifics', () => {
  test('a database without the table: queries are LOOKUP_QUERY, health says so', async () => {
    const l = createLookup(await db.newDatabase());
    await l.open();
    try {
      await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_QUERY');
      const h = await l.health();
      assert.equal(h.ok, false);
      assert.equal(h.error?.code, 'LOOKUP_QUERY');
    } finally {
      await l.close();
    }
  });

  test('wrong password, unknown database, nothing listening: open() is LOOKUP_CONNECT', async () => {
    const u = new URL(db.url);
    const wrongPw = db.url.replace(`:${u.password}@`, ':not-the-password@');
    const noDb = db.url.replace(/\/sipflow$/, '/no_such_db');
    const noServer = `mysql://sipflow:x@127.0.0.1:${await freePort()}/sipflow`;
    for (const url of [wrongPw, noDb, noServer]) {
      const l = createLookup(url, { connectTimeoutMs: 2000 });
      await rejectsWithCode(l.open(), 'LOOKUP_CONNECT');
      await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_CONNECT');
    }
  });

  test('a server that accepts TCP but never greets: open() fails by connectTimeout, LOOKUP_CONNECT', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const l = createLookup(`mysql://u:p@127.0.0.1:${port}/db`, { connectTimeoutMs: 300 });
      await rejectsWithCode(l.open(), 'LOOKUP_CONNECT');
      assert.ok(sockets.length >= 1, 'the client did connect');
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  test('lookups take pool connections per query and hold none for long', async () => {
    const url = await db.newDatabase();
    const l = createLookup(url, { connectionLimit: 3 });
    await l.open();
    try {
      await l.initSchema();
      await l.seedDemo();
      const results = await Promise.all(Array.from({ length: 300 }, () => l.calleesFor('35')));
      assert.ok(results.every((r) => r.length === 2));
      const name = new URL(url).pathname.slice(1);
      const rows = (await db.rootQuery('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?', [name])) as {
        n: number;
      }[];
      assert.ok(Number(rows[0]?.n) <= 3, `connections on ${name}: ${rows[0]?.n}`);
    } finally {
      await l.close();
    }
  });

  describe('the server going away mid-run', () => {
    let l: CalleeLookup;
    const log = recordingLogger();
    before(async () => {
      l = createLookup(await db.newDatabase(), { logger: log, connectTimeoutMs: 500, queryTimeoutMs: 1000 });
      await l.open();
      await l.initSchema();
      await l.seedDemo();
    });
    after(async () => {
      await l.close();
    });

    test('killed: every lookup fails with LOOKUP_CONNECT; restarted: the next lookup answers', async () => {
      assert.equal((await l.calleesFor('35')).length, 2); // the pool holds a live, idle connection now
      await db.kill();
      for (let i = 0; i < 5; i++) await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_CONNECT');
      const h = await l.health();
      assert.equal(h.ok, false);
      assert.equal(h.error?.code, 'LOOKUP_CONNECT');
      await db.restart();
      assert.deepEqual(
        (await l.calleesFor('35')).map((r) => r.callee),
        ['john', 'anna'],
      );
      assert.equal((await l.health()).ok, true);
      assert.deepEqual(
        log.lines.filter((x) => /unreachable|reachable again/.test(x)),
        ['warn lookup: database unreachable', 'info lookup: database reachable again'],
      );
    });

    test('restarted again while idle: the dead idle connections do not leak into the next lookup', async () => {
      await Promise.all([l.calleesFor('35'), l.calleesFor('35'), l.calleesFor('35')]); // several idle connections
      await db.restart(); // graceful: the server closes every connection
      assert.equal((await l.calleesFor('35')).length, 2);
    });

    test('frozen (SIGSTOP): a lookup fails by queryTimeoutMs with LOOKUP_CONNECT; thawed: answers again', async () => {
      assert.equal((await l.calleesFor('35')).length, 2);
      await db.freeze();
      try {
        await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_CONNECT');
      } finally {
        await db.thaw();
      }
      assert.equal((await l.calleesFor('35')).length, 2);
    });
  });
});
