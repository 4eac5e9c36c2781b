#!/usr/bin/env node
// npm run build — compile every package and app to JavaScript (src/ -> dist/, with .d.ts and source maps) for
// `npm start`, which runs them with plain node under the `sipflow-compiled` export condition (no tsx at run time).
// Packages build in dependency order: each one's declarations are what the next one is checked against.
// Files under src/ that are not TypeScript (the admin web page, the DSM grammar) are copied beside the output.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const order = ['packages/runtime', 'packages/lookup', 'packages/dsm-import'];
for (const app of readdirSync(join(root, 'apps')).sort()) {
  if (existsSync(join(root, 'apps', app, 'tsconfig.build.json'))) order.push(`apps/${app}`);
}
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const started = Date.now();
for (const dir of order) {
  const dist = join(root, dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const res = spawnSync(process.execPath, [tsc, '-p', join(root, dir, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`build: ${dir} failed to compile`);
    process.exit(1);
  }
  cpSync(join(root, dir, 'src'), dist, { recursive: true, filter: (src) => statSync(src).isDirectory() || !src.endsWith('.ts') });
}
console.error(
  `build: ${order.length} packages compiled to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s — run: npm start -- <apps> [options]`,
);
