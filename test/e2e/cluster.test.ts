/**
 * `npm run cluster -- quizconnect --instances 2`: Kamailio in front of two sipflow processes sharing a private
 * MariaDB (seeded with the demo rows). Calls placed at the proxy are spread over both instances round robin; the
 * combined `npm run calls -- --admin A,B` lists them all with the instance each ran on; SIGTERM stops everything,
 * exit 0. With `--dispatch load`, calls that end before the next one starts all go to the same instance: each one's
 * count is released when it ends, so both are idle again and the tie goes to the first in the list.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { callsCommand } from '../../packages/runtime/src/server/admin/cli-commands.js';
import { freeMediaPorts, freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scenario = fileURLToPath(new URL('./scenarios/qc-caller-404.xml', import.meta.url));

describe('npm run cluster', () => {
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  let child: ReturnType<typeof spawn> | undefined;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  for (const dispatch of ['round-robin', 'load'] as const) {
    it(`two instances behind Kamailio on one MariaDB, --dispatch ${dispatch}: calls seen in the combined calls view; SIGTERM exits 0`, async () => {
      const proxyPort = await freePort();
      const rtpSpan = 100;
      const rtpBase = await freeMediaPorts(2 * rtpSpan);
      // The command `npm run cluster` runs (package.json), spawned directly so that SIGTERM reaches it.
      child = spawn(
        process.execPath,
        [
          ...['--import', 'tsx', 'scripts/cluster.ts', 'quizconnect', '--instances', '2', '--sip', `127.0.0.1:${proxyPort}`],
          ...['--dispatch', dispatch, '--rtp-base', String(rtpBase), '--rtp-span', String(rtpSpan)],
        ],
        {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`cluster not ready within 120 s:\n${out}\n${err.slice(-3000)}`)), 120_000);
        child!.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (!out.includes('cluster: ready')) return;
          clearTimeout(timer);
          resolve();
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`cluster exited (${code}):\n${out}\n${err.slice(-3000)}`));
        });
      });
      const admins = /npm run calls -- --admin (\S+)/.exec(out)?.[1];
      assert.ok(admins, out);
      assert.equal(admins.split(',').length, 2);
      assert.match(out, /private MariaDB on 127\.0\.0\.1:\d+/);
      assert.match(out, dispatch === 'load' ? /dispatching by load/ : /dispatching round robin/);
      assert.match(out, new RegExp(`instance 0: sip 127\\.0\\.0\\.1:\\d+, rtp ${rtpBase}-${rtpBase + rtpSpan - 1},`));
      assert.match(out, new RegExp(`instance 1: sip 127\\.0\\.0\\.1:\\d+, rtp ${rtpBase + rtpSpan}-${rtpBase + 2 * rtpSpan - 1},`));

      // Four calls at the proxy, one after the other, to a user without rows: each is taken by an instance, looked up in
      // the shared MariaDB and answered 404 (the scenario fails on anything else).
      const callers = await startSipp({
        scenario: { file: scenario },
        remote: `127.0.0.1:${proxyPort}`,
        service: '36',
        calls: 4,
        rate: 10,
        limit: 1,
        keys: { rtp_port: '9' },
        timeoutSec: 60,
      });
      const res = await callers.done;
      assert.equal(res.code, 0, `calls through the cluster: ${res.errors.slice(0, 2000)}`);

      const lines: string[] = [];
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) };
      assert.equal(await callsCommand(['--admin', admins, '--ended', '--json'], io), 0, lines.join('\n'));
      const combined = JSON.parse(lines.join('\n')) as { count: number; calls: Array<{ instance: string; flow: string; outcome?: string }> };
      assert.equal(combined.count, 4);
      const perInstance = admins.split(',').map((address) => combined.calls.filter((c) => c.instance === address).length);
      // Round robin: two each. By load: every 404 released its instance's count, so each call found both idle.
      assert.deepEqual(perInstance.toSorted(), dispatch === 'load' ? [0, 4] : [2, 2], `calls per instance: ${perInstance.join(', ')}`);
      for (const c of combined.calls) assert.equal(c.flow, 'quizconnect_caller');

      lines.length = 0;
      assert.equal(await callsCommand(['--admin', admins, '--ended'], io), 0, lines.join('\n'));
      assert.match(lines[0]!, /^INSTANCE\s+ID\s+APP\s+FLOW/);
      assert.equal(lines.filter((l) => l.startsWith('127.0.0.1:')).length, 4);
      assert.equal(lines.at(-1), '4 calls on 2 instances');

      child.kill('SIGTERM');
      assert.equal(await exited, 0, err.slice(-2000));
    });
  }
});
