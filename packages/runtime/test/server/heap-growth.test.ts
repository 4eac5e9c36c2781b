import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../src/server/heap-growth.js';

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
