import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';

const execFileP = promisify(execFile);

export interface MariaDb {
  /** mysql://sipflow:<pwd>@127.0.0.1:<port>/sipflow — a real user with a password, over TCP. */
  url: string;
  port: number;
  /** Unix socket, where root (no password) can connect. */
  socket: string;
  /** PID of the running mariadbd (undefined while down), e.g. to SIGSTOP it. */
  readonly pid: number | undefined;
  /** Creates another empty database the same user may use; resolves to its URL. */
  newDatabase(name?: string): Promise<string>;
  /** Runs SQL as root over the socket (for assertions and set-up). */
  rootQuery(sql: string, params?: unknown[]): Promise<unknown>;
  /** SIGTERM, wait for exit, delete the data folder. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), wait for exit; data kept for `restart()`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data, resolves once it accepts connections. */
  restart(): Promise<void>;
  /** SIGSTOP (a hung server: connections stay open, nothing answers); resolves once every thread is stopped. */
  freeze(): Promise<void>;
  /** SIGCONT after `freeze()`. */
  thaw(): Promise<void>;
}

export interface MariaDbOptions {
  /** How long to wait for the server to accept connections. Default 30000 ms. */
  readyTimeoutMs?: number;
}

const USER = 'sipflow';

function allThreadsStopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return /^\S+ \(.*\) [Tt] /s.test(stat);
    });
  } catch {
    return false;
  }
}

/**
 * A private MariaDB for tests and benches: `mariadb-install-db` on a temp folder, `mariadbd --no-defaults` on a free
 * loopback port, a database `sipflow` and a user `sipflow` with a random password. Ready in about a second.
 * The server is killed if the test process exits without calling `stop()`.
 */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDb> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'sock');
  const errLog = join(dir, 'error.log');
  const asRoot = process.getuid?.() === 0;
  const password = randomBytes(12).toString('hex');

  await execFileP(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...(asRoot ? ['--user=root'] : [])],
    { timeout: 60_000 },
  ).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${err instanceof Error ? err.message : String(err)}`);
  });

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  const onExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const launch = (): void => {
    const c = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(dir, 'mariadbd.pid')}`,
        `--log-error=${errLog}`,
        `--tmpdir=${dir}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M',
        '--innodb-flush-log-at-trx-commit=2',
        '--character-set-server=utf8mb4',
        '--max-connections=200',
        ...(asRoot ? ['--user=root'] : []),
      ],
      { stdio: 'ignore' },
    );
    child = c;
    // Watchdog: if this test process dies without stop() (killed by a runner timeout, SIGKILL), the 'exit' hook
    // never runs; a detached shell kills mariadbd and removes the folder within a second.
    const dog = spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$1" 2>/dev/null; kill -0 "$0" 2>/dev/null || rm -rf "$2"',
        String(process.pid),
        String(c.pid),
        dir,
      ],
      { stdio: 'ignore', detached: true },
    );
    dog.unref();
    exited = new Promise((resolve) =>
      c.once('exit', () => {
        dog.kill('SIGKILL');
        resolve();
      }),
    );
  };

  const errTail = (): string => {
    try {
      return readFileSync(errLog, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no error log)';
    }
  };

  // Poll a real connection (not a sleep): ready means root can log in over the socket.
  const waitReady = async (): Promise<void> => {
    const c = child;
    let dead = false;
    void exited.then(() => (dead = true));
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (dead || c?.exitCode !== null) throw new Error(`mariadbd exited during start-up:\n${errTail()}`);
      try {
        const conn = await mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 1000 });
        await conn.end();
        return;
      } catch {
        if (Date.now() > deadline) {
          c?.kill('SIGKILL');
          throw new Error(`mariadbd not ready after ${readyTimeoutMs} ms:\n${errTail()}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const rootQuery = async (sql: string, params: unknown[] = []): Promise<unknown> => {
    const conn = await mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 5000 });
    try {
      const [rows] = await conn.query(sql, params);
      return rows;
    } finally {
      await conn.end();
    }
  };

  // First start: a port taken between freePort() and bind makes mariadbd exit; try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    launch();
    try {
      await waitReady();
      break;
    } catch (err) {
      child?.kill('SIGKILL');
      await exited;
      if (attempt >= 3) {
        process.off('exit', onExit);
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const urlFor = (db: string): string => `mysql://${USER}:${password}@127.0.0.1:${port}/${db}`;
  const newDatabase = async (name = `t_${randomBytes(6).toString('hex')}`): Promise<string> => {
    if (!/^\w+$/.test(name)) throw new Error(`bad database name ${name}`);
    await rootQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    for (const host of ['127.0.0.1', 'localhost']) await rootQuery(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO ?@?`, [USER, host]);
    return urlFor(name);
  };

  for (const host of ['127.0.0.1', 'localhost']) await rootQuery('CREATE USER ?@? IDENTIFIED BY ?', [USER, host, password]);
  await newDatabase('sipflow');

  let stopped = false;
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  return {
    url: urlFor('sipflow'),
    port,
    socket,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    newDatabase,
    rootQuery,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async freeze() {
      const pid = child?.pid;
      if (!pid || child?.exitCode !== null) throw new Error('MariaDB is not running');
      process.kill(pid, 'SIGSTOP');
      // kill() returns before the stop has reached every thread; wait until /proc shows them all stopped.
      const deadline = Date.now() + 10_000;
      while (!allThreadsStopped(pid)) {
        if (Date.now() > deadline) throw new Error('mariadbd did not stop');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async thaw() {
      const pid = child?.pid;
      if (pid && child?.exitCode === null) process.kill(pid, 'SIGCONT');
    },
    async restart() {
      if (stopped) throw new Error('MariaDB was stopped');
      await terminate('SIGTERM');
      launch();
      await waitReady();
    },
  };
}
