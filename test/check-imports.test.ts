/**
 * scripts/check-imports.mjs (run by npm test) on small trees laid out like the repository: it passes a clean one
 * and names each kind of forbidden import, so the rule in docs/architecture.md can fail.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tmpRoot = join(repo, '.test-tmp');
mkdirSync(tmpRoot, { recursive: true });
const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A tree with a runtime (util, sip, media, flow, server), a lookup package and an app; `files` add or replace. */
function tree(files: Record<string, string> = {}, runtimeDeps: Record<string, string> = { pino: '^10' }): string {
  const root = mkdtempSync(join(tmpRoot, 'imports-'));
  made.push(root);
  const all: Record<string, string> = {
    'packages/runtime/package.json': JSON.stringify({
      name: '@sipflow/runtime',
      exports: { './flow': { default: './src/flow/index.ts' } },
      dependencies: runtimeDeps,
    }),
    'packages/runtime/src/util/emitter.ts': 'export const x = 1;\n',
    'packages/runtime/src/sip/stack.ts':
      "import { x } from '../util/emitter.js';\nimport type { Logger } from 'pino';\nexport const y: number = x;\nexport type L = Logger;\n",
    'packages/runtime/src/media/engine.ts': "import { x } from '../util/emitter.js';\nexport const m = x;\n",
    'packages/runtime/src/flow/index.ts': "import { y } from '../sip/stack.js';\nexport const f = y;\n",
    'packages/runtime/src/server/server.ts':
      "import { f } from '../flow/index.js';\nimport { m } from '../media/engine.js';\nexport const s = f + m;\n",
    'packages/lookup/package.json': JSON.stringify({ name: '@sipflow/lookup', dependencies: {} }),
    'packages/lookup/src/index.ts':
      "// a string is not an import: `import { f } from '@sipflow/runtime/flow'`\nexport const code = \"import { s } from '@sipflow/runtime/flow';\";\n",
    'apps/demo/package.json': JSON.stringify({ name: 'demo', dependencies: { '@sipflow/runtime': '^0.1.0' } }),
    'apps/demo/src/index.ts': "import { f } from '@sipflow/runtime/flow';\nexport default f;\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(root: string): { status: number | null; out: string } {
  const res = spawnSync(process.execPath, [join(repo, 'scripts/check-imports.mjs'), '--root', root], { encoding: 'utf8' });
  return { status: res.status, out: res.stdout + res.stderr };
}

test('a tree that follows the layers passes (imports inside strings are not imports)', () => {
  const { status, out } = check(tree());
  assert.equal(status, 0, out);
  assert.match(out, /no upward import, no cycle/);
});

test('an upward import, a peer import, a cycle and a package out of order each fail, named', () => {
  const { status, out } = check(
    tree({
      'packages/runtime/src/flow/graph.ts': "import type { s } from '../server/server.js';\nexport type G = typeof s;\n",
      'packages/runtime/src/media/uses-sip.ts': "import { y } from '../sip/stack.js';\nexport const u = y;\n",
      'packages/runtime/src/util/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'packages/runtime/src/util/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      'packages/lookup/src/uses-runtime.ts': "import { f } from '@sipflow/runtime/flow';\nexport const l = f;\n",
    }),
  );
  assert.equal(status, 1);
  assert.match(out, /flow\/graph\.ts -> .*server\/server\.ts: upward import: flow \(layer 2\) imports server \(layer 5\)/);
  assert.match(out, /media\/uses-sip\.ts -> .*: media and sip are peers/);
  assert.match(out, /import cycle: packages\/runtime\/src\/util\/a\.ts <-> packages\/runtime\/src\/util\/b\.ts/);
  assert.match(out, /package lookup may not import package runtime/);
});

test('dependencies: an import not in package.json and a listed package never imported both fail', () => {
  const { status, out } = check(
    tree({ 'packages/runtime/src/media/engine.ts': "import { z } from 'zod';\nexport const m = z;\n" }, { pino: '^10', alawmulaw: '^6' }),
  );
  assert.equal(status, 1);
  assert.match(out, /packages\/runtime: src\/ imports 'zod', which its package.json does not list/);
  assert.match(out, /packages\/runtime: package\.json lists 'alawmulaw' in dependencies, but src\/ never imports it/);
});
