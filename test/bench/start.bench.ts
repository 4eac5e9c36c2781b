/**
 * Start time and idle memory of the server, run from TypeScript (`npm run app`: tsx) and compiled (`npm start`:
 * plain node on dist/, built first if missing). Each start serves quizconnect (SQLite lookup) with one media worker
 * and the admin API; start = spawn to the `sipflow serving` log line; RSS = the process (main thread and workers)
 * 2 s after that line, from /proc. Median of 3 starts each. The media worker bundle of the tsx run is cached in the
 * temp folder after its first start, as it is on any machine that ran the server once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/ports.js';

export const name = 'start';

const root = fileURLToPath(new URL('../..', import.meta.url));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 102.4) / 10;
}

async function once(command: string[]): Promise<{ startMs: number; rssMiB: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sipflow-start-bench-'));
  const sip = await freePort();
  const admin = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...command,
      'quizconnect',
      '--sip',
      `127.0.0.1:${sip}`,
      '--admin',
      `127.0.0.1:${admin}`,
      '--media-workers',
      '1',
      '--log-format',
      'json',
      '--set',
      `db_url=sqlite:${join(dataDir, 'qc.sqlite')}`,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  try {
    const startMs = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (d: string) => {
        buf += d;
        if (buf.includes('"msg":"sipflow serving"')) resolve(performance.now() - t0);
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before serving`)));
      setTimeout(() => reject(new Error('server did not start within 60 s')), 60_000).unref();
    });
    await sleep(2000);
    return { startMs: Math.round(startMs), rssMiB: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(command: string[]): Promise<{ startMs: number; idleRssMiB: number }> {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await once(command));
  return { startMs: median(runs.map((r) => r.startMs)), idleRssMiB: median(runs.map((r) => r.rssMiB)) };
}

export async function run(): Promise<Record<string, unknown>> {
  if (!existsSync(join(root, 'packages/runtime/dist/server/cli/app.js'))) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ').slice(1);
  const tsx = await measure(['--import', 'tsx', 'packages/runtime/src/server/cli/app.ts']);
  const compiled = await measure(start);
  return { tsx, compiled };
}
