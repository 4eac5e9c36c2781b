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
  /** -trace_calldebug: keep sipp's own history (each message sent, received or lost) of every call it aborted. */
  callDebug?: boolean;
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Contents of the -trace_err file, if any (its entries: `sippErrorEntries`). */
  errors: string;
  /** With `callDebug`: the -trace_calldebug file, one block per aborted call (`sippCallDebug`); else ''. */
  callDebug: string;
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
  if (options.callDebug) args.push('-trace_calldebug', '-calldebug_file', join(dir, 'calldebug.log'));
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
      const callDebugFile = join(dir, 'calldebug.log');
      resolve({
        code,
        stdout,
        stderr,
        errors: existsSync(errFile) ? readFileSync(errFile, 'utf8') : '',
        callDebug: existsSync(callDebugFile) ? readFileSync(callDebugFile, 'utf8') : '',
        stats: existsSync(statFile) ? parseStatCsv(readFileSync(statFile, 'utf8')) : {},
        port,
      });
      rmSync(dir, { recursive: true, force: true });
    });
  });
  return { pid: child.pid, port, mediaPort, done, kill: () => child.kill('SIGTERM') };
}

/** sipp's timestamp at the start of each -trace_err entry: date, time and epoch, tab-separated, then ': '. */
const ERROR_ENTRY_START = /(?=\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d{6}\t\d+\.\d{6}: )/;

/**
 * The entries of a sipp -trace_err file, each starting with its timestamp. sipp ends an entry with a newline only when
 * its text has one ("receive timeout on message …, jumping to label 12" runs straight into the next entry), so the
 * file is split at the timestamps, not at line ends. The file's header line is left out.
 */
export function sippErrorEntries(errors: string): string[] {
  return errors
    .split(ERROR_ENTRY_START)
    .filter((e) => /^\d{4}-\d\d-\d\d\t/.test(e))
    .map((e) => e.trimEnd());
}

/** The Call-IDs of the calls sipp aborted on an unexpected message, from its error entries. */
export function unexpectedMessageCallIds(entries: string[]): string[] {
  return entries.flatMap((e) => /Aborting call on unexpected message for Call-Id '([^']*)'/.exec(e)?.[1] ?? []);
}

/**
 * The -trace_calldebug blocks (sipp's history of one aborted call: each message sent, received or lost, with its
 * scenario index) of the calls named, or of every aborted call when `callIds` is empty.
 */
export function sippCallDebug(callDebug: string, callIds: string[]): string[] {
  return callDebug
    .split(/^-{20,}\n(?=Call debugging information for call )/m)
    .filter((b) => b.startsWith('Call debugging information for call '))
    .filter((b) => callIds.length === 0 || callIds.some((id) => b.startsWith(`Call debugging information for call ${id}:`)))
    .map((b) => b.trimEnd());
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
