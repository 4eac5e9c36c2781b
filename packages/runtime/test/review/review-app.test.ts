import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { reviewApp, scanLegMessageTypes, loadAppFlows } from '../../src/review/index.js';

const appsDir = fileURLToPath(new URL('./fixtures/apps', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('leg messages are read from the flow types: event union members that are not runtime call events', () => {
  const scan = scanLegMessageTypes([join(appsDir, 'pingpong/src/index.ts')], join(appsDir, 'pingpong'));
  assert.deepEqual(scan.problems, []);
  assert.deepEqual(
    scan.flows.map((f) => [f.machineId, f.messages]),
    [
      ['pinger', ['pong']],
      ['ponger', ['ping', 'reset']],
    ],
  );
});

test('loadAppFlows finds the flows of the default export', async () => {
  const app = await loadAppFlows('pingpong', appsDir);
  assert.deepEqual(Object.keys(app.flows), ['pinger', 'ponger']);
  await assert.rejects(loadAppFlows('nope', appsDir), { code: 'APP_NOT_FOUND' });
});

test('reviewApp writes one page per flow and reports the leg message the receiver never handles', async () => {
  const out = mkdtempSync(join(tmpdir(), 'sipflow-review-'));
  const { review, written } = await reviewApp('pingpong', { appsDir, outDir: out, skipPaths: true });
  assert.deepEqual(
    written.map((p) => p.split('/').at(-1)),
    ['pinger.md', 'ponger.md'],
  );
  assert.deepEqual(
    review.findings.map((f) => [f.rule, f.flow]),
    [['unhandled-leg-message', 'ponger']],
  );
  assert.match(review.findings[0]?.message ?? '', /'reset'/);
  const page = readFileSync(join(out, 'pingpong', 'ponger.md'), 'utf8');
  assert.match(page, /\*\*unhandled-leg-message\*\*/);
  assert.match(readFileSync(join(out, 'pingpong', 'pinger.md'), 'utf8'), /No findings/);

  // --check: nothing stale right after writing; a hand edit makes the page stale.
  await reviewApp('pingpong', { appsDir, outDir: out, skipTypes: true, skipPaths: true });
  assert.deepEqual((await reviewApp('pingpong', { appsDir, outDir: out, check: true, skipTypes: true, skipPaths: true })).stale, []);
  writeFileSync(join(out, 'pingpong', 'pinger.md'), 'edited by hand\n');
  const { stale, written: none } = await reviewApp('pingpong', { appsDir, outDir: out, check: true, skipTypes: true, skipPaths: true });
  assert.deepEqual(none, []);
  assert.deepEqual(
    stale.map((p) => p.split('/').at(-1)),
    ['pinger.md'],
  );
  assert.equal(readFileSync(join(out, 'pingpong', 'pinger.md'), 'utf8'), 'edited by hand\n');
});

test('npm run review exits 1 on findings and names them; 2 for an unknown app', async () => {
  const out = mkdtempSync(join(tmpdir(), 'sipflow-review-cli-'));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'packages/runtime/src/review/cli.ts', ...args], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  const bad = await run(['pingpong', '--apps', appsDir, '--out', out]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /ponger: unhandled-leg-message: .*'reset'/);
  // The path checks: pinger waits for a 'pong' nobody sends, the INVITE never gets an answer; the path is printed.
  assert.match(
    bad.stderr,
    /pinger: failing-path: the INVITE is left without a final answer: nothing more can happen in 'WAIT'; reproduce with:\nconst t = testFlow\(pinger, /,
  );
  assert.ok(existsSync(join(out, 'pingpong', 'ponger.md')));
  const unknown = await run(['nope', '--apps', appsDir, '--out', out]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /APP_NOT_FOUND/);
});
