import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeMediaPortPair } from './ports.js';

export interface SippOptions {
  /** Built-in scenario name (-sn) or a scenario XML path (-sf). */
  scenario: { builtin: string } | { file: string };
  /** Remote host:port; omit for a UAS. */
  remote?: string;
  /** Local SIP port; default: a free one. */
  port?: number;
  /** Local media port (-mp); default: a free even one. */
  mediaPort?: number;
  /** -m: calls to place/answer before exiting. Default 1. */
  calls?: number;
  /** -r: call rate per second (UAC). */
  rate?: number;
  /** -l: concurrent call limit. */
  limit?: number;
  /** Injected -key name value pairs. */
  keys?: Record<string, string>;
  /** -s: service (R-URI user) for a UAC. */
  service?: string;
  /** Overall timeout in seconds (passed as -timeout with -timeout_error, plus an outer kill). Default 30. */
  timeoutSec?: number;
  /** Extra raw args. */
  args?: string[];
  /** -t: transport. Default 'u1'. */
  transport?: 'u1' | 'un' | 't1' | 'tn';
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Contents of the -trace_err file, if any. */
  errors: string;
  /** Last line of the -trace_stat CSV as a name → value map. */
  stats: Record<string, string>;
  /** The SIP port sipp used. */
  port: number;
}

export interface SippProcess {
  /** OS pid of sipp (e.g. to read its CPU from /proc). */
  pid: number | undefined;
  port: number;
  mediaPort: number;
  /** Resolves when sipp exits. */
  done: Promise<SippResult>;
  kill(): void;
}

/**
 * Start sipp as an independent peer, always bounded (-m, -timeout with -timeout_error, an outer kill), never reading stdin.
 * Await `ready()` semantics are not needed for a UAS: sipp binds before reading its scenario, and callers retry.
 */
export async function startSipp(options: SippOptions): Promise<SippProcess> {
  const port = options.port ?? (await freePort());
  const mediaPort = options.mediaPort ?? (await freeMediaPortPair());
  const controlPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const timeoutSec = options.timeoutSec ?? 30;
  const args: string[] = [];
  if ('builtin' in options.scenario) args.push('-sn', options.scenario.builtin);
  else args.push('-sf', options.scenario.file);
  if (options.remote) args.push(options.remote);
  args.push('-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort), '-cp', String(controlPort));
  args.push('-m', String(options.calls ?? 1), '-timeout', `${timeoutSec}s`, '-timeout_error', '-nostdin');
  args.push('-t', options.transport ?? 'u1');
  if (options.rate !== undefined) args.push('-r', String(options.rate));
  if (options.limit !== undefined) args.push('-l', String(options.limit));
  if (options.service) args.push('-s', options.service);
  for (const [k, v] of Object.entries(options.keys ?? {})) args.push('-key', k, v);
  args.push('-trace_err', '-error_file', join(dir, 'err.log'), '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1');
  args.push(...(options.args ?? []));

  const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutSec + 10) * 1000);

  const done = new Promise<SippResult>((resolve) => {
    // sipp missing from PATH (or not executable): a failed result naming the cause, not an unhandled 'error'.
    child.on('error', (err) => {
      stderr += `\nsipp could not be started: ${err.message}`;
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      const errFile = join(dir, 'err.log');
      const statFile = join(dir, 'stat.csv');
      resolve({
        code,
        stdout,
        stderr,
        errors: existsSync(errFile) ? readFileSync(errFile, 'utf8') : '',
        stats: existsSync(statFile) ? parseStatCsv(readFileSync(statFile, 'utf8')) : {},
        port,
      });
      rmSync(dir, { recursive: true, force: true });
    });
  });
  return { pid: child.pid, port, mediaPort, done, kill: () => child.kill('SIGTERM') };
}

function parseStatCsv(csv: string): Record<string, string> {
  const lines = csv.trim().split('\n');
  if (lines.length < 2) return {};
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    if (n) out[n] = values[i] ?? '';
  });
  return out;
}
