/**
 * `npm run db -- <command>`: manage the callees table of either backend.
 *   init | seed | add <caller> <callee> <pin> | remove <id> | remove <caller> <callee> | list [caller] | health | sql
 * `--db-url` (or SIPFLOW_DB_URL) chooses the database; default: the quizconnect app's embedded SQLite file.
 * Exits 1 with `error [CODE]: message` on stderr when anything fails.
 */
import { Command, Option } from 'commander';
import { createLookup } from './create-lookup.js';
import { isLookupError, lookupErrors } from './errors.js';
import type { CalleeLookup, CalleeRecord } from './lookup-types.js';
import { schemaScript } from './schema.js';

const DEFAULT_CLI_DB_URL = 'sqlite:apps/quizconnect/data/quizconnect.sqlite';

class CliFailure extends Error {}

async function withLookup<T>(program: Command, fn: (lookup: CalleeLookup) => Promise<T>): Promise<T> {
  const { dbUrl } = program.opts<{ dbUrl: string }>();
  const lookup = createLookup(dbUrl, { connectTimeoutMs: 5000, busyTimeoutMs: 10_000 });
  await lookup.open();
  try {
    return await fn(lookup);
  } finally {
    await lookup.close();
  }
}

function printRows(rows: CalleeRecord[], json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(rows) + '\n');
    return;
  }
  const lines = ['id\tcaller\tcallee\tpin', ...rows.map((r) => `${r.id}\t${r.caller}\t${r.callee}\t${r.pin}`)];
  process.stdout.write(lines.join('\n') + '\n');
}

function buildCli(): Command {
  const program = new Command('db')
    .description('Manage the callees table (SQLite or MySQL/MariaDB)')
    .addOption(new Option('--db-url <url>', 'sqlite:PATH or mysql://user:pwd@host[:port]/db').env('SIPFLOW_DB_URL').default(DEFAULT_CLI_DB_URL))
    .showHelpAfterError();

  program
    .command('init')
    .description('create the callees table and its index (idempotent)')
    .action(() =>
      withLookup(program, async (l) => {
        await l.initSchema();
        process.stdout.write(`schema ready on ${l.target}\n`);
      }),
    );

  program
    .command('seed')
    .description("create the schema and insert the demo rows ('35' → john/12345, anna/54321) not present yet")
    .action(() =>
      withLookup(program, async (l) => {
        await l.initSchema();
        const n = await l.seedDemo();
        process.stdout.write(`inserted ${n} demo row(s) into ${l.target}\n`);
      }),
    );

  program
    .command('add')
    .description('add a callee for a caller')
    .argument('<caller>')
    .argument('<callee>')
    .argument('<pin>', 'digits, * and #')
    .action((caller: string, callee: string, pin: string) =>
      withLookup(program, async (l) => {
        const row = await l.add(caller, callee, pin);
        process.stdout.write(`added id ${row.id}\n`);
      }),
    );

  program
    .command('remove')
    .description('remove a row by id, or every row of <caller> <callee>')
    .argument('<id-or-caller>')
    .argument('[callee]')
    .action((first: string, callee: string | undefined) =>
      withLookup(program, async (l) => {
        let n: number;
        if (callee === undefined) {
          if (!/^\d+$/.test(first)) throw lookupErrors.badInput(`remove: "${first}" is not an id; to remove by name give <caller> <callee>`);
          n = await l.remove(Number(first));
          if (n === 0) throw new CliFailure(`no row with id ${first}`);
        } else {
          n = await l.removePair(first, callee);
          if (n === 0) throw new CliFailure(`no row for caller "${first}" and callee "${callee}"`);
        }
        process.stdout.write(`removed ${n} row(s)\n`);
      }),
    );

  program
    .command('list')
    .description("list a caller's callees in dial order (all rows without a caller)")
    .argument('[caller]')
    .option('--json', 'print JSON instead of a table')
    .action((caller: string | undefined, opts: { json?: boolean }) =>
      withLookup(program, async (l) => printRows(await l.list(caller), opts.json === true)),
    );

  program
    .command('health')
    .description('probe the database; exits 1 if it is not usable')
    .action(async () => {
      const { dbUrl } = program.opts<{ dbUrl: string }>();
      const lookup = createLookup(dbUrl, { connectTimeoutMs: 5000, busyTimeoutMs: 10_000 });
      try {
        await lookup.open();
        const h = await lookup.health();
        process.stdout.write(JSON.stringify(h) + '\n');
        if (!h.ok) process.exitCode = 1;
      } finally {
        await lookup.close();
      }
    });

  program
    .command('sql')
    .description('print the schema (and with --seed the demo rows) as SQL, for a DBA to run')
    .addOption(new Option('--dialect <dialect>').choices(['sqlite', 'mysql']).default('mysql'))
    .option('--seed', 'include the demo rows')
    .action((opts: { dialect: 'sqlite' | 'mysql'; seed?: boolean }) => {
      process.stdout.write(schemaScript(opts.dialect, opts.seed === true));
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildCli().parseAsync(process.argv);
  } catch (err) {
    if (isLookupError(err)) process.stderr.write(`error [${err.code}]: ${err.message}\n`);
    else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

await main();
