/**
 * `npm run import-dsm` as a user runs it: the app is written whole or not at all; errors are one clear line (plus the
 * DSM line and a caret for syntax errors) and exit 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, fixture, tempApps, type TempApps } from './support.js';

const CLI = join(REPO, 'packages/dsm-import/src/cli.ts');
const importDsm = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, encoding: 'utf8' });

let apps: TempApps;
before(() => {
  apps = tempApps('cli');
});
after(() => apps.cleanup());

describe('npm run import-dsm', () => {
  it('writes the app and says what needs a hand', () => {
    const out = join(apps.appsDir, 'qc');
    const res = importDsm(fixture('quizconnect/quizconnect_caller.dsm'), fixture('quizconnect/quizconnect_callee.dsm'), '--app', 'qc', '--out', out);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /wrote .*qc: src\/quizconnect_caller\.ts, src\/quizconnect_callee\.ts, src\/messages\.ts/);
    assert.match(res.stdout, /\d+ place\(s\) need a hand: see .*qc\/README\.md/);
    assert.ok(existsSync(join(out, 'src/index.ts')));
    // A second run does not overwrite without --force.
    const again = importDsm(fixture('quizconnect/quizconnect_caller.dsm'), '--app', 'qc', '--out', out);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^import-dsm: .*qc already exists \(remove it, or pass --force to replace it\)\n$/);
    assert.equal(importDsm(fixture('quizconnect/quizconnect_caller.dsm'), '--app', 'qc', '--out', out, '--force').status, 0);
    assert.ok(!existsSync(join(out, 'src/quizconnect_callee.ts')), '--force replaced the folder');
  });

  it('a malformed script: file:line:column, exit 1, and no app folder (not even a partial one)', () => {
    const bad = join(apps.root, 'broken.dsm');
    writeFileSync(bad, 'initial state START;\ntransition "x" START - invite -> ;\n');
    const out = join(apps.appsDir, 'broken');
    // The good script first: it parses, the bad one fails, nothing is written.
    const res = importDsm(fixture('quizconnect/quizconnect_callee.dsm'), bad, '--app', 'broken', '--out', out);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /^import-dsm: .*broken\.dsm:2:34: syntax error: Expected a state name but ";" found\./);
    assert.ok(!existsSync(out), 'no app folder');
    assert.deepEqual(
      readdirSync(apps.appsDir).filter((d) => d.startsWith('broken')),
      [],
      'no temporary folder left',
    );
  });

  it('semantic errors name the DSM line too: an undeclared state, no initial state; a bad app name', () => {
    const bad = join(apps.root, 'undeclared.dsm');
    writeFileSync(bad, 'initial state START;\ntransition "to nowhere" START - invite -> NOWHERE;\n');
    const res = importDsm(bad, '--app', 'u', '--out', join(apps.appsDir, 'u'));
    assert.equal(res.status, 1);
    assert.match(res.stderr, /undeclared\.dsm:2:1: transition "to nowhere" names state NOWHERE, which is not declared/);
    writeFileSync(bad, 'state START;\n');
    assert.match(importDsm(bad, '--app', 'u', '--out', join(apps.appsDir, 'u')).stderr, /undeclared\.dsm: no 'initial state' declared/);
    assert.match(importDsm(bad, '--app', '../x').stderr, /--app '\.\.\/x': expected a folder name/);
    assert.ok(!existsSync(join(apps.appsDir, 'u')));
  });
});
