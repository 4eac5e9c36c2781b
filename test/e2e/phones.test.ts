/**
 * What docs/quizconnect.md ("Play caller and callees yourself") tells a newcomer to run, as separate processes:
 * `npm run phones` (the callee phones), `npm run app quizconnect` pointed at them, and sipp's built-in UAC dialling
 * 35 — only the ports differ (free ones, not 5060/5080/8090). john's phone types his PIN, so the caller gets its
 * 200 and quizconnect's registry shows john connected and anna hung up. quizconnect runs on its default table (the
 * demo rows, created on first start), as a newcomer's would.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const started: ChildProcess[] = [];
after(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  }
});

/**
 * Run an npm script as the docs show it (its own process group, so it can be stopped whole); resolves once its
 * output matches `ready` (the banner and each app's usage line are separate writes, so wait for the one needed).
 */
async function npmRun(args: string[], ready = /sipflow: serving/): Promise<{ log: () => string }> {
  const child = spawn('npm', ['run', '--silent', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  started.push(child);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run ${args.join(' ')} did not start within 90 s:\n${log}`)), 90_000);
    child.stderr!.on('data', () => {
      if (!ready.test(log)) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`npm run ${args.join(' ')} exited (${code}):\n${log}`))));
  });
  return { log: () => log };
}

interface CallSummary {
  id: string;
  flow: string;
  to: string;
}

test('npm run phones + npm run app quizconnect + sipp -sn uac -s 35: john types his PIN and is connected', { timeout: 180_000 }, async () => {
  const phonesPort = await freePort();
  const qcPort = await freePort();
  const adminPort = await freePort();
  const phones = await npmRun(['phones', '--', '--sip', `127.0.0.1:${phonesPort}`], /PINs typed: /);
  assert.match(phones.log(), /PINs typed: john=12345/);
  await npmRun([
    'app',
    'quizconnect',
    '--',
    '--sip',
    `127.0.0.1:${qcPort}`,
    '--admin',
    `127.0.0.1:${adminPort}`,
    '--set',
    `outbound_domain=127.0.0.1:${phonesPort}`,
  ]);

  // sipp's built-in UAC: INVITE, (100/180/183), 200 — which comes only when a callee typed its PIN — ACK, BYE.
  const sipp = await startSipp({ scenario: { builtin: 'uac' }, remote: `127.0.0.1:${qcPort}`, service: '35', timeoutSec: 60 });
  const result = await sipp.done;
  assert.equal(result.code, 0, result.stdout + result.stderr);

  const get = async <T>(path: string): Promise<T> => (await (await fetch(`http://127.0.0.1:${adminPort}${path}`)).json()) as T;
  const { calls } = await get<{ calls: CallSummary[] }>('/calls?ended=1&app=quizconnect');
  const graphOf = async (id: string) =>
    (await get<{ call: { stateGraph: Array<{ kind: string; state?: string; description?: string }> } }>(`/calls/${id}`)).call.stateGraph;
  const caller = calls.find((c) => c.flow === 'quizconnect_caller');
  assert.ok(caller, JSON.stringify(calls));
  assert.ok((await graphOf(caller.id)).some((s) => s.description === 'callee got it'));
  const leg = (name: string) => calls.find((c) => c.flow === 'quizconnect_callee' && c.to.includes(`sip:${name}@`));
  const john = await graphOf(leg('john')!.id);
  const anna = await graphOf(leg('anna')!.id);
  assert.ok(
    john.some((s) => s.state === 'CONNECTED'),
    JSON.stringify(john),
  );
  assert.ok(!anna.some((s) => s.state === 'CONNECTED'), JSON.stringify(anna));
});
