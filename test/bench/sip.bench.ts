/**
 * 'sip' bench: the highest rate of answer-and-BYE calls per second that sipp (-sn uac) completes with 0 failed
 * calls against the SIP stack running alone in a child process, with the child's CPU% (100 = one core) and peak
 * RSS. The rate steps up until a step fails: a failed call, or the server falling behind (sipp below 80% of the asked
 * rate, or retransmitting more than 1% of its calls).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSipp } from '../support/sipp.js';

export const name = 'sip';

const STEP_SECONDS = 5;
const RATES = [100, 200, 400, 600, 700, 800, 900, 1000, 1100, 1200, 1400];
const CLK_TCK = 100;

interface Step {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  achievedRate: number;
  sippRetransmissions: number;
  serverRetransmissions: number;
  serverCpuPercent: number;
  ok: boolean;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime are fields 14 and 15 of /proc/<pid>/stat: index 11 and 12 after the command name.
  return Number(fields[11]) + Number(fields[12]);
}

function peakRssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

function request<T>(child: ChildProcess, msg: string, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if ((m as { type?: string }).type === type) {
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.send(msg);
  });
}

export async function run(): Promise<Record<string, unknown>> {
  const server = fileURLToPath(new URL('./support/sip-server.ts', import.meta.url));
  const child = fork(server, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { port: number }));
      child.once('exit', (code) => reject(new Error(`sip bench server exited (${code})`)));
    });
    const pid = child.pid!;
    const steps: Step[] = [];
    // Warm-up (JIT), not reported.
    await (
      await startSipp({ scenario: { builtin: 'uac' }, remote: `127.0.0.1:${port}`, calls: 200, rate: 100, timeoutSec: 20 })
    ).done;
    for (const rate of RATES) {
      const calls = rate * STEP_SECONDS;
      const before = await request<{ stats: { retransmissionsOut: number } }>(child, 'stats', 'stats');
      const t0 = process.hrtime.bigint();
      const c0 = cpuTicks(pid);
      const sipp = await startSipp({
        scenario: { builtin: 'uac' },
        remote: `127.0.0.1:${port}`,
        calls,
        rate,
        limit: Math.max(200, rate * 2),
        timeoutSec: STEP_SECONDS + 20,
      });
      const res = await sipp.done;
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = ((cpuTicks(pid) - c0) / CLK_TCK / wallS) * 100;
      const after = await request<{ stats: { retransmissionsOut: number } }>(child, 'stats', 'stats');
      const successful = Number(res.stats['SuccessfulCall(C)'] ?? 0);
      const failed = Number(res.stats['FailedCall(C)'] ?? 0);
      const step: Step = {
        rate,
        calls,
        successful,
        failed,
        achievedRate: Math.round(Number(res.stats['CallRate(C)'] ?? 0)),
        sippRetransmissions: Number(res.stats['Retransmissions(C)'] ?? 0),
        serverRetransmissions: after.stats.retransmissionsOut - before.stats.retransmissionsOut,
        serverCpuPercent: Math.round(cpu),
        // Passing means all calls completed AND the server kept up: sipp reached ≥ 80% of the asked rate (its
        // cumulative rate includes start-up and the tail, ~0.5 s) and
        // barely had to retransmit (late answers show up as retransmissions before they show up as failures).
        ok:
          res.code === 0 &&
          failed === 0 &&
          successful === calls &&
          Number(res.stats['CallRate(C)'] ?? 0) >= 0.8 * rate &&
          Number(res.stats['Retransmissions(C)'] ?? 0) <= calls * 0.01,
      };
      steps.push(step);
      process.stderr.write(`  sip ${rate} cps: ${JSON.stringify(step)}\n`);
      if (!step.ok) break;
    }
    const passing = steps.filter((s) => s.ok);
    const best = passing[passing.length - 1];
    return {
      maxCallsPerSecondNoFailures: best?.rate ?? 0,
      serverCpuPercent: best?.serverCpuPercent ?? null,
      serverPeakRssMB: peakRssMB(pid),
      limitedBy: steps.every((s) => s.ok) ? 'last step passed (raise RATES)' : 'server fell behind or calls failed',
      stepSeconds: STEP_SECONDS,
      steps,
    };
  } finally {
    child.kill('SIGTERM');
  }
}
