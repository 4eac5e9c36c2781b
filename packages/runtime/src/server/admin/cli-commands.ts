/**
 * The operator CLI over the admin API: `npm run calls`, `npm run call -- <id>`, `npm run reload -- <app>`.
 * Each command is a function over argv and an output sink, so it runs in-process in tests.
 *
 * Exit codes: 0 ok; 1 the API answered with an error (its code is printed); 2 usage error or bad --admin;
 * 3 the admin API is unreachable.
 */
import { Command, CommanderError } from 'commander';
import { AdminClient } from './admin-client.js';
import { AdminError } from './errors.js';
import type { CallSummary } from './api-schemas.js';
import type { StateGraphStep } from '../../flow/state-graph.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Now, ms (ages). Default Date.now. */
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

export const EXIT = { ok: 0, apiError: 1, usage: 2, unreachable: 3 } as const;

interface CommonOptions {
  admin: string;
  token?: string;
  json?: boolean;
}

function baseCommand(name: string, description: string, io: CliIo): Command {
  const env = io.env ?? process.env;
  return new Command(name)
    .description(description)
    .option('--admin <host:port>', 'admin API address (env SIPFLOW_ADMIN)', env.SIPFLOW_ADMIN ?? '127.0.0.1:8090')
    .option('--token <token>', 'bearer token, when the server requires one (env SIPFLOW_ADMIN_TOKEN)', env.SIPFLOW_ADMIN_TOKEN)
    .option('--json', 'print the raw JSON answer')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
}

function clientOf(opts: CommonOptions): AdminClient {
  return new AdminClient({ address: opts.admin, ...(opts.token ? { token: opts.token } : {}) });
}

/** Age as 4s, 2m05s, 1h03m. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A plain text table, columns padded to the widest cell. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** The user part of a SIP From/To value: '"bee" <sip:5@127.0.0.1>;tag=x' → '5@127.0.0.1'. */
function party(value: string): string {
  return /<?sips?:([^>;]+)/.exec(value)?.[1] ?? value;
}

function callsTable(calls: CallSummary[], now: number): string[] {
  if (!calls.length) return ['no calls'];
  return formatTable(
    ['ID', 'APP', 'FLOW', 'STATE', 'AGE', 'FROM', 'TO'],
    calls.map((c) => [
      c.id,
      c.app,
      c.flow,
      c.endedAt !== undefined ? `${c.state} (ended: ${c.outcome})` : c.state,
      formatAge((c.endedAt ?? now) - c.startedAt),
      party(c.from),
      party(c.to),
    ]),
  );
}

/** Internal XState event types in human form: 'xstate.after.digitTimeout.ivr.GREETING' → 'after digitTimeout'. */
export function eventName(type: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after?.[1]) return `after ${/^\d+$/.test(after[1]) ? `${after[1]} ms` : after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) return `${actor[1]}: ${actor[2]}`;
  return type;
}

function stepLines(steps: StateGraphStep[], startedAt: number): string[] {
  return steps.map((s, i) => {
    const at = `+${((s.at - startedAt) / 1000).toFixed(3)}s`.padStart(10);
    const n = String(i + 1).padStart(3);
    return s.kind === 'state' ? `${n} ${at}  [${s.state}]` : `${n} ${at}    -> ${s.description || '(unnamed)'} on ${eventName(s.event)}`;
  });
}

async function run(io: CliIo, argv: string[], cmd: Command): Promise<number> {
  try {
    await cmd.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof AdminError) {
      io.err(`error ${err.code}: ${err.message}`);
      if (err.code === 'UNREACHABLE') return EXIT.unreachable;
      if (err.code === 'BAD_ADDRESS') return EXIT.usage;
      return EXIT.apiError;
    }
    throw err;
  }
}

/** `npm run calls [-- --app X --state S --ended]` */
export function callsCommand(argv: string[], io: CliIo): Promise<number> {
  return run(
    io,
    argv,
    baseCommand('calls', 'List calls in progress (id, app, flow, state, age)', io)
      .option('--app <app>', 'only calls of this app')
      .option('--state <state>', 'only calls in this state (or below it)')
      .option('--ended', 'include ended calls still kept')
      .action(async (opts: CommonOptions & { app?: string; state?: string; ended?: boolean }) => {
        const query = {
          ...(opts.app ? { app: opts.app } : {}),
          ...(opts.state ? { state: opts.state } : {}),
          ...(opts.ended ? { ended: true } : {}),
        };
        const addresses = opts.admin
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean);
        if (addresses.length > 1) return combinedCalls(io, opts, addresses, query);
        const res = await clientOf(opts).calls(query);
        if (opts.json) return io.out(JSON.stringify(res, null, 2));
        for (const line of callsTable(res.calls, (io.now ?? Date.now)())) io.out(line);
        if (res.count) io.out(`${res.count} call${res.count === 1 ? '' : 's'}`);
      }),
  );
}

/**
 * Several instances (`--admin A,B,...`, e.g. those `npm run cluster` starts): their calls in one table with an INSTANCE
 * column, oldest first. An instance that does not answer is named on stderr and the others are still listed; the exit
 * code is then that instance's error.
 */
async function combinedCalls(io: CliIo, opts: CommonOptions, addresses: string[], query: Parameters<AdminClient['calls']>[0]): Promise<void> {
  const answers = await Promise.allSettled(
    addresses.map((address) => new AdminClient({ address, ...(opts.token ? { token: opts.token } : {}) }).calls(query)),
  );
  const calls: Array<CallSummary & { instance: string }> = [];
  let failure: unknown;
  answers.forEach((a, i) => {
    const instance = addresses[i]!;
    if (a.status === 'fulfilled') for (const c of a.value.calls) calls.push({ ...c, instance });
    else {
      failure ??= a.reason;
      io.err(`${instance}: ${a.reason instanceof Error ? a.reason.message : String(a.reason)}`);
    }
  });
  calls.sort((a, b) => a.startedAt - b.startedAt);
  if (opts.json) io.out(JSON.stringify({ count: calls.length, calls }, null, 2));
  else {
    // callsTable's first line is its header ('no calls' when empty); each call's line follows in order.
    const table = callsTable(calls, (io.now ?? Date.now)());
    const width = Math.max('INSTANCE'.length, ...addresses.map((a) => a.length));
    const lines = calls.length ? table.map((line, i) => `${(i === 0 ? 'INSTANCE' : calls[i - 1]!.instance).padEnd(width)}  ${line}`) : table;
    for (const line of lines) io.out(line);
    if (calls.length) io.out(`${calls.length} call${calls.length === 1 ? '' : 's'} on ${addresses.length} instances`);
  }
  if (failure !== undefined) throw failure;
}

/** `npm run call -- <id>` */
export function callCommand(argv: string[], io: CliIo): Promise<number> {
  return run(
    io,
    argv,
    baseCommand('call', 'Show one call: its attributes and its state graph', io)
      .argument('<id>', 'call id (from `npm run calls`)')
      .action(async (id: string, opts: CommonOptions) => {
        const { call } = await clientOf(opts).call(id);
        if (opts.json) return io.out(JSON.stringify(call, null, 2));
        const now = (io.now ?? Date.now)();
        const rows: Array<[string, string]> = [
          ['id', call.id],
          ['app', `${call.app} (version ${call.appVersion})`],
          ['flow', call.flow],
          ['direction', call.direction],
          ['from', call.from],
          ['to', call.to],
          ['request-uri', call.requestUri],
          ...(call.parentId ? ([['parent', call.parentId]] as Array<[string, string]>) : []),
          ['state', call.state],
          ['outcome', call.outcome],
          ...(call.endReason ? ([['end reason', call.endReason]] as Array<[string, string]>) : []),
          ['started', new Date(call.startedAt).toISOString()],
          ...(call.endedAt !== undefined ? ([['ended', new Date(call.endedAt).toISOString()]] as Array<[string, string]>) : []),
          [call.endedAt !== undefined ? 'duration' : 'age', formatAge((call.endedAt ?? now) - call.startedAt)],
        ];
        const width = Math.max(...rows.map(([k]) => k.length));
        for (const [k, v] of rows) io.out(`${k.padEnd(width)}  ${v}`);
        io.out('');
        io.out(`state graph (${call.stateGraph.length} steps):`);
        for (const line of stepLines(call.stateGraph, call.startedAt)) io.out(line);
      }),
  );
}

/** `npm run reload -- <app>` */
export function reloadCommand(argv: string[], io: CliIo): Promise<number> {
  return run(
    io,
    argv,
    baseCommand('reload', 'Load an app again: new calls use the new version, calls in progress finish on theirs', io)
      .argument('<app>', 'app name')
      .action(async (app: string, opts: CommonOptions) => {
        const res = await clientOf(opts).reload(app);
        if (opts.json) return io.out(JSON.stringify(res, null, 2));
        io.out(`reloaded ${res.app}: now version ${res.version} (new calls only; calls in progress keep theirs)`);
      }),
  );
}

/** Entry point helper for the scripts in src/server/cli/. */
export async function runCli(command: (argv: string[], io: CliIo) => Promise<number>): Promise<void> {
  process.exitCode = await command(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
