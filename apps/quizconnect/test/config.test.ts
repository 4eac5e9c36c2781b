/** quizconnect's config schema: defaults as documented, bad values named by key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, DEFAULT_DB_URL, DEFAULT_PROMPT_PATH } from '../src/config.js';
import { existsSync } from 'node:fs';

test('defaults: the app prompts, its own SQLite file, 127.0.0.1:5080, 60 s, From quizconnect, no credentials', () => {
  const c = configSchema.parse({});
  assert.equal(c.prompt_path, DEFAULT_PROMPT_PATH);
  assert.ok(existsSync(`${c.prompt_path}/welcome_caller.wav`));
  assert.ok(existsSync(`${c.prompt_path}/welcome_callee.wav`));
  assert.ok(existsSync(`${c.prompt_path}/sorry_pin_wrong.wav`));
  assert.equal(c.db_url, DEFAULT_DB_URL);
  assert.match(c.db_url, /^sqlite:\/.*apps\/quizconnect\/data\/quizconnect\.sqlite$/);
  assert.equal(c.outbound_domain, '127.0.0.1:5080');
  assert.equal(c.ring_timeout, 60);
  assert.equal(c.from_user, 'quizconnect');
  assert.equal(c.outbound_auth_user, undefined);
  assert.equal(c.outbound_auth_password, undefined);
});

test('every key documents its default', () => {
  for (const [key, field] of Object.entries(configSchema.shape)) {
    assert.ok(field.description && /Default/.test(field.description), `${key} has no documented default`);
  }
});

test('bad values are refused, naming the key', () => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ db_url: 'postgres://x@y/z' }, 'db_url'],
    [{ outbound_domain: 'sip:john@x' }, 'outbound_domain'],
    [{ ring_timeout: 0 }, 'ring_timeout'],
    [{ ring_timeout: '60' }, 'ring_timeout'],
    [{ from_user: 'quiz connect' }, 'from_user'],
    [{ outbound_auth_user: 'qc' }, 'outbound_auth_password'],
    [{ outbound_auth_password: 'pw' }, 'outbound_auth_user'],
  ];
  for (const [raw, key] of bad) {
    const r = configSchema.safeParse(raw);
    assert.equal(r.success, false, JSON.stringify(raw));
    assert.ok(
      r.error?.issues.some((i) => i.path[0] === key),
      `${JSON.stringify(raw)} → ${JSON.stringify(r.error?.issues)}`,
    );
  }
});

test('MySQL URLs and hosts with ports are accepted', () => {
  const c = configSchema.parse({
    db_url: 'mysql://user:pwd@127.0.0.1:3307/quizconnect',
    outbound_domain: 'pbx.example.net:5070',
    outbound_auth_user: 'qc',
    outbound_auth_password: 'pw',
    ring_timeout: 1.5,
  });
  assert.equal(c.ring_timeout, 1.5);
  assert.equal(configSchema.parse({ outbound_domain: '[::1]:5080' }).outbound_domain, '[::1]:5080');
});
