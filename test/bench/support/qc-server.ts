/**
 * The quizconnect bench server: `npm run app quizconnect` as a CHILD process (so its CPU and RSS are its own),
 * on free loopback ports, with its /metrics read over the admin HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN_NODE_ARGS } from '../../../packages/runtime/src/server/heap-growth.js';
import { freePort } from '../../support/ports.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const APP_CLI = join(REPO, 'packages/runtime/src/server/cli/app.ts');
const APP_DIST = join(REPO, 'packages/runtime/dist/server/cli/app.js');

export interface QcServerOptions {
  dir: string;
  dbUrl: string;
  /** host:port of the callee UAS. */
  outboundDomain: string;
  ringTimeoutS: number;
  /** --max-calls (legs). */
  maxCalls: number;
  /** --rtp-ports, kept away from the test port bands (21000–30999, test/support/ports.ts) sipp is given. */
  rtpPorts: string;
  /** --media-workers: 0 = the media engine on the main thread; undefined = the server's default (cores - 1). */
  mediaWorkers?: number;
}

export interface QcServer {
  readonly pid: number;
  readonly sipPort: number;
  readonly adminPort: number;
  /** Last lines the server wrote (warnings and errors; its log level is 'warn'). */
  tail(): string[];
  /** Count of log lines at warn or above whose msg matches. */
  warnings(): Map<string, number>;
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startQcServer(o: QcServerOptions): Promise<QcServer> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  // One file per server: two servers may run at once (quizconnect-real's modes take turns), and a server reloads its
  // config when the file changes.
  const configFile = join(o.dir, `quizconnect-${sipPort}.json`);
  writeFileSync(configFile, JSON.stringify({ quizconnect: { db_url: o.dbUrl, outbound_domain: o.outboundDomain, ring_timeout: o.ringTimeoutS } }));
  // QC_BENCH_NODE_ARGS: extra node flags for the server, e.g. '--cpu-prof --cpu-prof-dir=/tmp/qc-prof' to profile it.
  const nodeArgs = (process.env.QC_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The node arguments `npm run app` and `npm start` pass, unless QC_BENCH_NODE_ARGS gives its own value of one.
  for (const arg of MAIN_NODE_ARGS) if (!nodeArgs.some((a) => a.split('=')[0] === arg.split('=')[0])) nodeArgs.unshift(arg);
  const snapshots = process.env.QC_REAL_HEAP_SNAPSHOT;
  if (snapshots) nodeArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`);
  // QC_BENCH_COMPILED=1: the compiled server (`npm run build` first), as `npm start` runs it in production.
  const compiled = process.env.QC_BENCH_COMPILED === '1';
  if (compiled && !existsSync(APP_DIST))
    throw new Error(`QC_BENCH_COMPILED=1 runs the compiled server, and ${APP_DIST} is missing: run \`npm run build\` first`);
  const entry = compiled ? ['--conditions=sipflow-compiled', APP_DIST] : ['--import', 'tsx', APP_CLI];
  const args = [
    ...nodeArgs,
    ...entry,
    'quizconnect',
    '--sip',
    `127.0.0.1:${sipPort}`,
    '--admin',
    `127.0.0.1:${adminPort}`,
    '--rtp-ports',
    o.rtpPorts,
    '--config',
    configFile,
    '--max-calls',
    String(o.maxCalls),
    '--keep-ended',
    '5',
    '--log-level',
    // QC_BENCH_LOG_LEVEL=info: every call's story in QC_BENCH_SERVER_LOG, to trace a failing step (costs CPU).
    process.env.QC_BENCH_LOG_LEVEL ?? 'warn',
    ...(o.mediaWorkers !== undefined ? ['--media-workers', String(o.mediaWorkers)] : []),
  ];
  // Without mediaWorkers the server's own default is measured, not whatever SIPFLOW_MEDIA_WORKERS a test run set.
  const env = { ...process.env };
  delete env.SIPFLOW_MEDIA_WORKERS;
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const warnings = new Map<string, number>();
  const keep = (line: string) => {
    if (!line) return;
    lines.push(line);
    if (lines.length > 50) lines.shift();
    try {
      const o = JSON.parse(line) as { level?: number; msg?: string };
      if ((o.level ?? 0) >= 40) warnings.set(o.msg ?? '?', (warnings.get(o.msg ?? '?') ?? 0) + 1);
    } catch {
      // not a pino line (the start-up banner)
    }
  };
  // QC_BENCH_SERVER_LOG=FILE: keep everything the server wrote on stdout (pino lines, --trace-gc output, ...).
  if (process.env.QC_BENCH_SERVER_LOG) child.stdout!.pipe(createWriteStream(process.env.QC_BENCH_SERVER_LOG));
  let outBuf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    outBuf += d;
    const parts = outBuf.split('\n');
    outBuf = parts.pop() ?? '';
    parts.forEach(keep);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let errBuf = '';
    const timer = setTimeout(() => fail(new Error('quizconnect server did not start within 60 s')), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${errBuf}${lines.join('\n')}`));
    };
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      errBuf += d;
      if (errBuf.includes('sipflow: serving')) {
        clearTimeout(timer);
        resolve();
      }
      if (errBuf.length > 20_000) errBuf = errBuf.slice(-10_000);
    });
    void exited.then((code) => fail(new Error(`quizconnect server exited (${code}) before serving`)));
  });

  return {
    pid: child.pid!,
    sipPort,
    adminPort,
    tail: () => [...lines],
    warnings: () => new Map(warnings),
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(5000) });
      return parsePrometheus(await res.text());
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** 'name{labels} value' lines → Map('name{labels}' → value). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}
