/** `npm run db -- …` (packages/lookup/src/cli.ts) spawned against both backends. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLookup, ensureSeeded } from '../../packages/lookup/src/index.js';
import { startMariaDb, type MariaDb } from '../support/mariadb.js';
import { freePort } from '../support/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'packages/lookup/src/cli.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function db(dbUrl: string | undefined, ...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env['SIPFLOW_DB_URL'];
  const argv = ['--import', 'tsx', cli, ...(dbUrl === undefined ? [] : ['--db-url', dbUrl]), ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(dbUrl: string, ...args: string[]): Promise<string> {
  const r = await db(dbUrl, ...args);
  assert.equal(r.code, 0, `db ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r.stdout;
}

async function listJson(dbUrl: string, caller?: string): Promise<{ id: number; caller: string; callee: string; pin: string }[]> {
  return JSON.parse(await ok(dbUrl, 'list', ...(caller ? [caller] : []), '--json'));
}

function describeCli(name: string, makeUrl: () => Promise<string>): void {
  describe(`db CLI (${name})`, () => {
    test('init, seed (idempotent), add, list, remove by id and by caller+callee', async () => {
      const url = await makeUrl();
      await ok(url, 'init');
      assert.match(await ok(url, 'seed'), /inserted 2 /);
      assert.match(await ok(url, 'seed'), /inserted 0 /);
      assert.match(await ok(url, 'add', '36', 'bob', '777'), /added id \d+/);
      assert.match(await ok(url, 'add', '35', "o'brien", '9#'), /added id \d+/);

      const rows35 = await listJson(url, '35');
      assert.deepEqual(
        rows35.map((r) => r.callee),
        ['john', 'anna', "o'brien"],
      );
      const table = await ok(url, 'list', '35');
      assert.match(table, /^id\tcaller\tcallee\tpin\n\d+\t35\tjohn\t12345\n/);

      const anna = rows35.find((r) => r.callee === 'anna')!;
      assert.match(await ok(url, 'remove', String(anna.id)), /removed 1 /);
      const again = await db(url, 'remove', String(anna.id));
      assert.equal(again.code, 1);
      assert.match(again.stderr, /no row with id/);

      assert.match(await ok(url, 'remove', '36', 'bob'), /removed 1 /);
      assert.equal((await db(url, 'remove', '36', 'bob')).code, 1);
      assert.deepEqual(
        (await listJson(url)).map((r) => `${r.caller}/${r.callee}`),
        ['35/john', "35/o'brien"],
      );
      assert.equal(JSON.parse(await ok(url, 'health')).ok, true);
    });

    test('bad input exits 1 with a coded message and changes nothing', async () => {
      const url = await makeUrl();
      await ok(url, 'seed');
      for (const args of [['add', '35', 'x', 'abc'], ['add', '', 'x', '1'], ['remove', 'not-an-id'], ['add', '35'], ['frobnicate']]) {
        const r = await db(url, ...args);
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, /error/i);
      }
      assert.equal((await listJson(url)).length, 2);
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'lookup-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
describeCli('sqlite', async () => `sqlite:${join(tmp, `cli-${++n}`, 'q.sqlite')}`);

let maria: MariaDb;
before(async () => {
  maria = await startMariaDb();
});
after(async () => {
  await maria?.stop();
});
describeCli('mysql', () => maria.newDatabase());

describe('db CLI while an app has the SQLite file open', () => {
  test('CLI writes and app lookups interleave without errors; the app sees the new rows', async () => {
    const url = `sqlite:${join(tmp, 'shared', 'q.sqlite')}`;
    const app = createLookup(url);
    await app.open();
    try {
      await ensureSeeded(app);
      let done = false;
      let lookups = 0;
      const reader = (async () => {
        while (!done) {
          assert.equal((await app.calleesFor('35')).length >= 2, true);
          lookups++;
          await new Promise((r) => setTimeout(r, 2)); // pace like calls arriving, not a tight loop
        }
      })();
      const adds = await Promise.all([1, 2, 3].map((i) => db(url, 'add', '70', `callee${i}`, String(i))));
      done = true;
      await reader;
      for (const r of adds) assert.equal(r.code, 0, r.stderr);
      assert.ok(lookups > 0);
      assert.deepEqual((await app.calleesFor('70')).map((r) => r.callee).sort(), ['callee1', 'callee2', 'callee3']);
    } finally {
      await app.close();
    }
  });
});

describe('db CLI errors', () => {
  test('a bad --db-url exits 1 with LOOKUP_BAD_URL and no password', async () => {
    const r = await db('mysql://u:hunter2@h', 'list');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /LOOKUP_BAD_URL/);
    assert.doesNotMatch(r.stderr, /hunter2/);
  });

  test('an unreachable MySQL exits 1 with LOOKUP_CONNECT', async () => {
    const r = await db(`mysql://u:p@127.0.0.1:${await freePort()}/db`, 'list', '35');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /LOOKUP_CONNECT/);
  });

  test('SIPFLOW_DB_URL is used when --db-url is absent', async () => {
    const url = `sqlite:${join(tmp, 'env', 'q.sqlite')}`;
    const r = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', cli, 'seed'],
        { cwd: root, env: { ...process.env, SIPFLOW_DB_URL: url }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`inserted 2 demo row\\(s\\) into ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  test('sql prints the schema for each dialect', async () => {
    const my = await ok('sqlite::memory:', 'sql', '--dialect', 'mysql', '--seed');
    assert.match(my, /AUTO_INCREMENT/);
    assert.match(my, /INSERT INTO callees .*'35', 'john', '12345'/);
    const lite = await ok('sqlite::memory:', 'sql', '--dialect', 'sqlite');
    assert.match(lite, /CREATE INDEX IF NOT EXISTS callees_caller/);
  });
});
