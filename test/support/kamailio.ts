/**
 * Kamailio in front of sipflow instances, as deploy/kamailio/kamailio.cfg runs it in production: a private
 * dispatcher list and runtime folder, foreground, logging to stderr; ready once it answers an OPTIONS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDeadline } from './deadline.js';
import { freePort } from './ports.js';
import { sipOptions } from './sip-options.js';

const CONFIG = fileURLToPath(new URL('../../deploy/kamailio/kamailio.cfg', import.meta.url));

export interface Kamailio {
  port: number;
  /** stderr so far (Kamailio's log). */
  log(): string;
  /** Resolves when Kamailio's log has a line matching `re` (fails after timeoutMs). */
  waitForLog(re: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface KamailioOptions {
  /** The instances' SIP ports on 127.0.0.1, in dispatcher list order. */
  instances: number[];
  /** OPTIONS probe interval, s. Default 1. */
  probeIntervalS?: number;
  /** ds_select_dst algorithm: 4 round robin (default), 10 by load (calls in progress through the proxy). */
  algorithm?: 4 | 10;
  /** By load: the most calls in progress an instance gets (its `maxload` attribute); default no limit. */
  maxLoad?: number;
  /** The SIP port to listen on (when the instances must know it before it starts); default a free one. */
  port?: number;
}

/** The dispatcher list: set 1, one line per instance; `duid` names it for the by-load count. */
function dispatcherList(options: Pick<KamailioOptions, 'instances' | 'maxLoad'>, host = '127.0.0.1'): string {
  const maxLoad = options.maxLoad ? `;maxload=${options.maxLoad}` : '';
  return options.instances.map((p, i) => `1 sip:${host}:${p} 0 0 duid=sipflow-${i + 1}${maxLoad}\n`).join('');
}

export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-kamailio-'));
  const list = join(dir, 'dispatcher.list');
  writeFileSync(list, dispatcherList(options));
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    'kamailio',
    [
      '-f',
      CONFIG,
      '-DD',
      '-E',
      '-Y',
      dir,
      '-m',
      '64',
      '-M',
      '8',
      '-A',
      `LISTEN=udp:127.0.0.1:${port}`,
      '-A',
      `DS_LIST="${list}"`,
      '-A',
      `PROBE_INTERVAL=${options.probeIntervalS ?? 1}`,
      '-A',
      `DS_ALG="${options.algorithm ?? 4}"`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  const waiters = new Set<() => void>();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    log += d;
    for (const w of waiters) w();
  });
  const waitForLog = (re: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!re.test(log)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no kamailio log line matching ${re} within ${timeoutMs} ms:\n${log.slice(-2000)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // A kamailio that ignores SIGTERM is killed; the wait for its exit still ends with a message.
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await withDeadline(exited, 15_000, `kamailio (pid ${child.pid}) to exit after SIGTERM and SIGKILL`).finally(() => clearTimeout(killer));
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kamailio exited (${child.exitCode}):\n${log.slice(-3000)}`);
    try {
      if ((await sipOptions(port, 500)).status === 200) break;
    } catch {
      // not listening yet: ask again
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kamailio did not answer OPTIONS within 15 s:\n${log.slice(-3000)}`);
    }
  }
  return { port, log: () => log, waitForLog, stop };
}
