#!/usr/bin/env node
// npm run lint (and npm test): typescript-eslint's recommended rules (eslint.config.js), no warning allowed, then
// prettier's check of the formatting (.prettierrc.json: 150 columns, single quotes; .prettierignore says what is
// left out). The formatting check is on once the repository has been formatted in one commit (scripts/format-all.sh
// turns it on); until then, only eslint runs.
import { spawnSync } from 'node:child_process';

const FORMAT_CHECK = true;

const root = new URL('..', import.meta.url).pathname;
const run = (bin, args) =>
  spawnSync(process.execPath, [new URL(`../node_modules/${bin}`, import.meta.url).pathname, ...args], { cwd: root, stdio: 'inherit' });

const eslint = run('eslint/bin/eslint.js', ['--max-warnings', '0', '.']);
if (eslint.status !== 0) {
  console.error('lint: eslint found problems (npx eslint . --fix fixes some; see eslint.config.js for the rules)');
  process.exit(1);
}
if (FORMAT_CHECK) {
  const prettier = run('prettier/bin/prettier.cjs', ['--check', '--log-level', 'warn', '.']);
  if (prettier.status !== 0) {
    console.error('lint: files not formatted: npx prettier --write <files>');
    process.exit(1);
  }
}
console.log(`lint: eslint clean${FORMAT_CHECK ? ', formatting as prettier writes it' : ' (formatting check not on yet: scripts/format-all.sh)'}`);
