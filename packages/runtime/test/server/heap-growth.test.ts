import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HEAP_GROWING_PERCENT, MAIN_NODE_ARGS, MAIN_SEMI_SPACE_MB, limitHeapGrowth } from '../../src/server/heap-growth.js';

test('a --heap-growing-percent given to node (argument or NODE_OPTIONS, either spelling) is left in force', () => {
  assert.equal(limitHeapGrowth(['--heap-growing-percent=50'], ''), 'node flag');
  assert.equal(limitHeapGrowth([], '--max-old-space-size=512 --heap_growing_percent=10'), 'node flag');
  assert.equal(limitHeapGrowth(['--heap-growing-percent', '50'], ''), 'node flag');
  assert.equal(limitHeapGrowth(['--heap-growing-percentage=5'], '--inspect'), HEAP_GROWING_PERCENT, 'another flag is not ours');
});

test('the flag is one this V8 knows: setting it prints no "unknown flag" warning', () => {
  const module = fileURLToPath(new URL('../../src/server/heap-growth.ts', import.meta.url));
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { limitHeapGrowth } from ${JSON.stringify(module)}; console.log(limitHeapGrowth([], ''));`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), String(HEAP_GROWING_PERCENT));
  assert.equal(child.stderr, '', 'V8 warns on stderr about a flag it does not know');
});

test("the server's start commands pass the main thread's semi-space limit (V8 reads it only at heap set-up)", () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const scripts = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const name of ['app', 'start']) {
    for (const arg of MAIN_NODE_ARGS) assert.ok(scripts[name]?.split(' ').includes(arg), `npm run ${name} passes ${arg}: ${scripts[name]}`);
  }
  const execStart = readFileSync(`${root}docs/deploy.md`, 'utf8').match(/^ExecStart=.*$/m)?.[0] ?? '';
  for (const arg of MAIN_NODE_ARGS) assert.ok(execStart.split(' ').includes(arg), `docs/deploy.md's ExecStart passes ${arg}: ${execStart}`);
});

test('node takes the semi-space argument: under an allocation burst the new space stays within two semi-spaces', () => {
  // Without the argument this burst grows V8's new space to 32 MB (two 16 MB semi-spaces).
  const burst = `const keep = []; for (let r = 0; r < 60; r++) { const a = []; for (let i = 0; i < 3e5; i++) a.push({ i, s: 'x' + i }); keep.push(a.slice(0, 1000)); }
    console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
  const newSpace = (args: readonly string[]) => {
    const child = spawnSync(process.execPath, [...args, '-e', burst], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    return Number(child.stdout);
  };
  const limit = 2 * MAIN_SEMI_SPACE_MB * 2 ** 20;
  assert.ok(newSpace([]) > limit, 'the burst is big enough to show the limit');
  assert.ok(newSpace(MAIN_NODE_ARGS) <= limit, 'new space within two semi-spaces of MAIN_SEMI_SPACE_MB');
});
