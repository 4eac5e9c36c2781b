/**
 * A sipflow server as its own process (the CLI through tsx), serving example-ivr with its own SIP port, RTP range
 * (2000 ports from 12000 + 2000 * index) and admin API; started once it prints its serving line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface SipflowProcess {
  sipPort: number;
  adminPort: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log: () => string;
}

export async function startSipflowProcess(index: number, app = 'example-ivr'): Promise<SipflowProcess> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  const rtp = `${12000 + index * 2000}-${12000 + index * 2000 + 1999}`;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'packages/runtime/src/server/cli/app.ts',
      app,
      '--sip',
      `127.0.0.1:${sipPort}`,
      '--rtp-ports',
      rtp,
      '--admin',
      `127.0.0.1:${adminPort}`,
      '--media-workers',
      '1',
      '--log-level',
      'warn',
      '--log-format',
      'json',
      '--drain-timeout',
      '20',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr!.setEncoding('utf8');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`instance ${index} did not start within 60 s:\n${err}${log}`)), 60_000);
    child.stderr!.on('data', (d: string) => {
      err += d;
      if (!err.includes('sipflow: serving')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`instance ${index} exited (${code}):\n${err}${log}`));
    });
  });
  return { sipPort, adminPort, child, exited, log: () => log };
}
