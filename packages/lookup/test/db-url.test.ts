import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLookup, parseDbUrl, redactDbUrl } from '../src/index.js';
import { rejectsWithCode } from './lookup-suite.js';

test('sqlite URL forms', () => {
  assert.deepEqual(parseDbUrl('sqlite:data/q.sqlite'), { kind: 'sqlite', path: 'data/q.sqlite' });
  assert.deepEqual(parseDbUrl('sqlite:/var/lib/q.sqlite'), { kind: 'sqlite', path: '/var/lib/q.sqlite' });
  assert.deepEqual(parseDbUrl('sqlite:///var/lib/q.sqlite'), { kind: 'sqlite', path: '/var/lib/q.sqlite' });
  assert.deepEqual(parseDbUrl(' sqlite::memory: '), { kind: 'sqlite', path: ':memory:' });
});

test('mysql URL forms: port default, percent-decoded credentials, mariadb:// alias, IPv6', () => {
  assert.deepEqual(parseDbUrl('mysql://u:p@db.example/quiz'), {
    kind: 'mysql',
    host: 'db.example',
    port: 3306,
    user: 'u',
    password: 'p',
    database: 'quiz',
  });
  const t = parseDbUrl('mariadb://us%40er:p%3Aw%2Fd@127.0.0.1:3307/q');
  assert.deepEqual(t, { kind: 'mysql', host: '127.0.0.1', port: 3307, user: 'us@er', password: 'p:w/d', database: 'q' });
  assert.equal((parseDbUrl('mysql://u@[::1]:3306/q') as { host: string }).host, '::1');
});

test('bad URLs are LOOKUP_BAD_URL at creation, with the password masked', () => {
  const bad = [
    '',
    '   ',
    'postgres://u:p@h/db',
    'sqlite:',
    'sqlite://relative',
    'sqlite:dir/',
    'mysql://u:secretpw@h',
    'mysql://u:secretpw@h/',
    'mysql://u:secretpw@h/a/b',
    'mysql://:secretpw@h/db',
    'mysql://u:secretpw@h:99999/db',
    'mysql://u:secretpw@h/db?ssl=true',
    'mysql://u:%E0%A4%A@h/db',
    'mysql//u:secretpw@h/db',
    'data/q.sqlite',
  ];
  for (const url of bad) {
    assert.throws(
      () => createLookup(url),
      (err: unknown) => {
        const e = err as { code?: string; message: string };
        assert.equal(e.code, 'LOOKUP_BAD_URL', `${url}: ${e.message}`);
        assert.ok(!e.message.includes('secretpw'), e.message);
        return true;
      },
      url,
    );
  }
});

test('redactDbUrl masks only the password', () => {
  assert.equal(redactDbUrl('mysql://user:pw@h:1/db'), 'mysql://user:***@h:1/db');
  assert.equal(redactDbUrl('mysql://user@h/db'), 'mysql://user@h/db');
  assert.equal(redactDbUrl('sqlite:a:b@c'), 'sqlite:a:b@c');
});

test('calls before open() are LOOKUP_CONNECT', async () => {
  await rejectsWithCode(createLookup('mysql://u:p@127.0.0.1:1/db').calleesFor('35'), 'LOOKUP_CONNECT');
  await rejectsWithCode(createLookup('sqlite::memory:').calleesFor('35'), 'LOOKUP_CONNECT');
});
