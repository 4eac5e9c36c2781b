/**
 * npm run cluster -- <app> --instances N [options] — for development and tests, on loopback: Kamailio
 * (deploy/kamailio/kamailio.cfg) in front of N sipflow processes sharing one MariaDB. Each instance has its own SIP
 * port, RTP range and admin API; Kamailio dispatches calls to them (`--dispatch`: round robin or by load; OPTIONS
 * probing, failover) and is their outbound proxy, so the legs they place go through it too. Prints the addresses and the combined
 * `npm run calls` command; Ctrl-C (or SIGTERM) stops it all. docs/scale-out.md shows the same layout on several machines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { createLookup, ensureSeeded } from '../packages/lookup/src/index.js';
import { parseHostPort } from '../packages/runtime/src/server/cli-options.js';
import { startKamailio, type Kamailio } from '../test/support/kamailio.js';
import { startMariaDb, type MariaDb } from '../test/support/mariadb.js';
import { freePort } from '../test/support/ports.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Instance {
  index: number;
  sip: number;
  admin: number;
  rtp: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const program = new Command('cluster')
  .description('Kamailio in front of N sipflow instances sharing one MariaDB, on loopback (development and tests)')
  .argument('<app>', 'app every instance serves, e.g. quizconnect')
  .addOption(new Option('--instances <n>', 'sipflow processes').default('2'))
  .addOption(new Option('--sip <host:port>', "Kamailio's SIP address: where callers send").default('127.0.0.1:5060'))
  .addOption(
    new Option('--dispatch <how>', 'round-robin, or load: each new call to the instance with the fewest calls in progress through the proxy')
      .choices(['round-robin', 'load'])
      .default('round-robin'),
  )
  .addOption(new Option('--rtp-base <port>', 'first RTP port; instance i gets --rtp-span ports from base + span * i').default('20000'))
  .addOption(new Option('--rtp-span <n>', 'RTP ports per instance').default('2000'))
  .addOption(new Option('--db-url <url>', 'a MariaDB/MySQL to share (default: a private MariaDB, seeded with the demo rows, deleted at the end)'))
  .addOption(
    new Option('--set <key=value>', 'app config value for every instance (repeatable)').argParser((v: string, prev: string[] = []) => [...prev, v]),
  )
  .addOption(new Option('--media-workers <n>', 'media worker threads per instance').default('1'))
  .exitOverride();

try {
  program.parse(process.argv.slice(2), { from: 'user' });
} catch (err) {
  process.exit(err instanceof CommanderError ? (err.exitCode === 0 ? 0 : 2) : 2);
}
const [app] = program.args as [string];
const o = program.opts<{
  instances: string;
  sip: string;
  dispatch: 'round-robin' | 'load';
  rtpBase: string;
  rtpSpan: string;
  dbUrl?: string;
  set?: string[];
  mediaWorkers: string;
}>();
const count = Number(o.instances);
const rtpBase = Number(o.rtpBase);
const rtpSpan = Number(o.rtpSpan);
if (!Number.isInteger(count) || count < 1 || count > 16) usage(`--instances: expected 1-16, got '${o.instances}'`);
if (!Number.isInteger(rtpSpan) || rtpSpan < 4 || rtpSpan % 2 !== 0)
  usage(`--rtp-span: expected an even number of ports, at least 4, got '${o.rtpSpan}'`);
if (!Number.isInteger(rtpBase) || rtpBase < 1024 || rtpBase % 2 !== 0 || rtpBase + rtpSpan * count > 65536)
  usage(`--rtp-base: ${o.rtpBase} is not an even port leaving room for ${count} ranges of ${rtpSpan} ports`);
let proxyAddress: { host: string; port: number };
try {
  proxyAddress = parseHostPort('--sip', o.sip);
} catch (err) {
  usage((err as Error).message);
}

let db: MariaDb | undefined;
let proxy: Kamailio | undefined;
const instances: Instance[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  await proxy?.stop().catch(() => undefined);
  for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGTERM');
  await Promise.all(instances.map((i) => i.exited));
  await db?.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  let dbUrl = o.dbUrl;
  if (!dbUrl) {
    db = await startMariaDb();
    dbUrl = db.url;
    const lookup = createLookup(dbUrl);
    await lookup.open();
    await ensureSeeded(lookup);
    await lookup.close();
  }
  const proxyUri = `sip:${proxyAddress!.host}:${proxyAddress!.port};lr`;
  for (let index = 0; index < count; index++) instances.push(await startInstance(index, dbUrl, proxyUri));
  proxy = await startKamailio({
    instances: instances.map((i) => i.sip),
    port: proxyAddress!.port,
    probeIntervalS: 2,
    algorithm: o.dispatch === 'load' ? 10 : 4,
  });
  for (const i of instances) {
    void i.exited.then((code) => {
      if (!stopping)
        console.error(`cluster: instance ${i.index} (sip 127.0.0.1:${i.sip}) exited (${code}); the proxy's probe takes it out of rotation`);
    });
  }
  const admins = instances.map((i) => `127.0.0.1:${i.admin}`).join(',');
  console.log(
    `cluster: Kamailio on sip:${proxyAddress!.host}:${proxyAddress!.port} in front of ${count} ${app} instance${count === 1 ? '' : 's'}, ` +
      `dispatching ${o.dispatch === 'load' ? 'by load' : 'round robin'}`,
  );
  for (const i of instances) console.log(`  instance ${i.index}: sip 127.0.0.1:${i.sip}, rtp ${i.rtp}, admin 127.0.0.1:${i.admin}`);
  console.log(`  database: ${db ? `private MariaDB on 127.0.0.1:${db.port} (demo rows)` : 'the --db-url given'}`);
  console.log(`  calls on every instance: npm run calls -- --admin ${admins}`);
  console.log('cluster: ready (Ctrl-C stops it all)');
} catch (err) {
  console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
}

async function startInstance(index: number, dbUrl: string, proxyUri: string): Promise<Instance> {
  const sip = await freePort();
  const admin = await freePort();
  const rtp = `${rtpBase + rtpSpan * index}-${rtpBase + rtpSpan * (index + 1) - 1}`;
  const args = [
    '--import',
    'tsx',
    'packages/runtime/src/server/cli/app.ts',
    app,
    '--sip',
    `127.0.0.1:${sip}`,
    '--rtp-ports',
    rtp,
    '--admin',
    `127.0.0.1:${admin}`,
    '--outbound-proxy',
    proxyUri,
    '--media-workers',
    o.mediaWorkers,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    '--set',
    `db_url=${dbUrl}`,
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${index} did not start within 60 s:\n${err}`)), 60_000);
    child.stderr!.on('data', (d: string) => {
      if (err.includes('sipflow: serving')) return void process.stderr.write(d);
      err += d;
      if (!err.includes('sipflow: serving')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${index} exited (${code}) before serving:\n${err}`));
    });
  });
  return { index, sip, admin, rtp, child, exited };
}

function usage(message: string): never {
  console.error(`cluster: ${message}`);
  process.exit(2);
}
