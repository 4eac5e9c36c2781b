import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLookup } from '../src/index.js';
import { describeLookupSuite, rejectsWithCode } from './lookup-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'lookup-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeLookupSuite('sqlite', async () => `sqlite:${join(dir, `db-${++n}.sqlite`)}`);

describe('SQLite specifics', () => {
  test('open creates missing folders, the file and the schema', async () => {
    const file = join(dir, 'a', 'b', 'new.sqlite');
    const l = createLookup(`sqlite:${file}`);
    await l.open();
    try {
      assert.ok(statSync(file).isFile());
      assert.deepEqual(await l.calleesFor('35'), []); // schema exists without initSchema()
    } finally {
      await l.close();
    }
  });

  test('a file that is not a database fails to open with LOOKUP_CONNECT', async () => {
    const file = join(dir, 'garbage.sqlite');
    writeFileSync(file, 'this is not an SQLite file, just text '.repeat(200));
    const l = createLookup(`sqlite:${file}`);
    await rejectsWithCode(l.open(), 'LOOKUP_CONNECT');
    await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_CONNECT');
  });

  test('a path that is a folder fails to open with LOOKUP_CONNECT', async () => {
    const folder = join(dir, 'folder.sqlite');
    mkdirSync(folder);
    await rejectsWithCode(createLookup(`sqlite:${folder}`).open(), 'LOOKUP_CONNECT');
  });

  test('a lock held by another process: LOOKUP_QUERY after the busy timeout, fine once released', async () => {
    const file = join(dir, 'locked.sqlite');
    const l = createLookup(`sqlite:${file}`, { busyTimeoutMs: 50 });
    await l.open();
    try {
      mkdirSync(`${file}.lock`); // node-sqlite3-wasm's lock is this folder
      await rejectsWithCode(l.calleesFor('35'), 'LOOKUP_QUERY');
      rmSync(`${file}.lock`, { recursive: true });
      assert.deepEqual(await l.calleesFor('35'), []);
    } finally {
      await l.close();
    }
  });

  test('a stale lock folder left by a crashed process is removed on open', async () => {
    const file = join(dir, 'stale.sqlite');
    mkdirSync(`${file}.lock`);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(`${file}.lock`, old, old);
    const l = createLookup(`sqlite:${file}`, { busyTimeoutMs: 50 });
    await l.open();
    try {
      assert.equal(existsSync(`${file}.lock`), false);
      assert.deepEqual(await l.calleesFor('35'), []);
    } finally {
      await l.close();
    }
  });

  test('sqlite::memory: works', async () => {
    const l = createLookup('sqlite::memory:');
    await l.open();
    try {
      await l.seedDemo();
      assert.equal((await l.calleesFor('35')).length, 2);
    } finally {
      await l.close();
    }
  });
});
