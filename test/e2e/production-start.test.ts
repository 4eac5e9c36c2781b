/**
 * Production start: `npm run build` compiles every package and app, `npm start` (its command) serves an app from its compiled
 * output with plain node (Node 20 cannot load a .ts file without tsx, so a server that answers a call here runs
 * compiled JavaScript, media worker included). A sipp caller completes the example IVR; a change to the app's
 * compiled output is picked up live (--watch) and the next call runs on the new version; SIGTERM exits 0. An app made
 * by `npm run new` just before the build is compiled and served beside it (its build config and compiled export).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scenario = fileURLToPath(new URL('./scenarios/flow-ivr-uac.xml', import.meta.url));
const compiledEntry = `${root}apps/example-ivr/dist/index.js`;
/** An app `npm run new` writes into apps/ for this test (removed after it). */
const newApp = `built-new-${process.pid}`;

/** Lines of a child's output as they come, with a way to wait for one that matches. */
class Lines {
  readonly all: string[] = [];
  #waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  constructor(stream: NodeJS.ReadableStream) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        this.all.push(line);
        this.#waiters = this.#waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
      }
    });
  }
  /** The first line from now on (or already seen after `from`) matching `re`. */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const seen = this.all.slice(from).find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${this.all.slice(-30).join('\n')}`)),
        timeoutMs,
      );
      this.#waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('compiled server: npm run build, npm start', () => {
  let child: ChildProcess | undefined;
  let out: Lines;
  let err: Lines;
  let sipPort: number;
  let original: string | undefined;

  before(() => {
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    const docs = mkdtempSync(join(tmpdir(), 'sipflow-new-docs-'));
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/new-app.ts', newApp, '--docs', docs], { cwd: root, encoding: 'utf8', env });
    rmSync(docs, { recursive: true, force: true });
    assert.equal(made.status, 0, `npm run new failed:\n${made.stdout}\n${made.stderr}`);
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    original = readFileSync(compiledEntry, 'utf8');
    assert.ok(existsSync(join(root, 'apps', newApp, 'dist', 'index.js')), 'npm run build compiled the app npm run new made');
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (original !== undefined) writeFileSync(compiledEntry, original);
    rmSync(join(root, 'apps', newApp), { recursive: true, force: true });
  });

  it('serves a call with plain node, reloads the compiled app live, exits 0 on SIGTERM', async () => {
    sipPort = await freePort();
    // NODE_OPTIONS cleared: nothing (such as the test runner's tsx import) may sneak a TypeScript loader in.
    // `npm start` runs this command; it is spawned directly (as a systemd unit would) so that SIGTERM reaches the server.
    const start = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
    assert.equal(start[0], 'node');
    child = spawn(
      process.execPath,
      [
        ...start.slice(1),
        `example-ivr,${newApp}`,
        '--sip',
        `127.0.0.1:${sipPort}`,
        '--admin',
        'off',
        '--watch',
        '--log-format',
        'json',
        '--media-workers',
        '1',
      ],
      {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    out = new Lines(child.stdout!);
    err = new Lines(child.stderr!);
    // Both apps loaded from their compiled output (plain node cannot import the new app's src/index.ts).
    await err.waitFor(new RegExp(`^sipflow: serving example-ivr, ${newApp} on sip:127\\.0\\.0\\.1:\\d+`), 60_000);
    const serving = JSON.parse(await out.waitFor(/"msg":"sipflow serving"/, 10_000)) as { media: string };
    assert.match(serving.media, /1 media worker thread/, 'media runs on a worker thread, started from compiled JavaScript');

    const call = async (label: string) => {
      const sipp = await startSipp({ scenario: { file: scenario }, remote: `127.0.0.1:${sipPort}`, service: '35', calls: 1, timeoutSec: 40 });
      const res = await sipp.done;
      assert.equal(res.code, 0, `${label}: sipp failed: ${res.errors.slice(0, 2000)}`);
    };
    await call('first call');

    // A rebuilt app (here: its compiled entry rewritten) is reloaded; the next call runs on version 2.
    const mark = out.all.length;
    writeFileSync(compiledEntry, `${original}\n// rebuilt\n`);
    const reloaded = JSON.parse(await out.waitFor(/reloaded after a file change/, 20_000, mark)) as { app: string; version: number };
    assert.equal(reloaded.app, 'example-ivr');
    assert.ok(reloaded.version >= 2, `reloaded as version ${reloaded.version}`);
    await call('call after the reload');

    child.kill('SIGTERM');
    const { code, signal } = await exited(child);
    assert.equal(signal, null, `ended by ${signal}:\n${err.all.slice(-20).join('\n')}`);
    assert.equal(code, 0, `exit code ${code}:\n${err.all.slice(-20).join('\n')}`);
    assert.ok(!out.all.some((l) => /"level":(50|60)/.test(l)), `no error logged:\n${out.all.filter((l) => /"level":(50|60)/.test(l)).join('\n')}`);
  });
});
