/**
 * 'proxy' bench: calls per second through Kamailio (deploy/kamailio/kamailio.cfg) with 1, 2 and 3 sipflow processes
 * (example-ivr, one media worker each) behind it. Callers (sipp, honouring Record-Route) place answer-hold-0.5 s-BYE
 * calls; the rate steps up until a step fails (a failed call, or sipp below 80 % of the asked rate). Reports the
 * highest passing rate per instance count and the load average, since on a 2-vCPU machine the instances, their
 * media workers, Kamailio and sipp all share the same two cores.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startKamailio } from '../support/kamailio.js';
import { startSipflowProcess, type SipflowProcess } from '../support/sipflow-process.js';
import { startSipp } from '../support/sipp.js';

export const name = 'proxy';

const scenario = fileURLToPath(new URL('./scenarios/proxy-uac.xml', import.meta.url));
const RATES = [20, 40, 60, 80, 120, 160, 200];
const STEP_SECONDS = 5;

async function maxRate(instances: number): Promise<Record<string, unknown>> {
  const procs: SipflowProcess[] = [];
  try {
    for (let i = 0; i < instances; i++) procs.push(await startSipflowProcess(i));
    const proxy = await startKamailio({ instances: procs.map((p) => p.sipPort), probeIntervalS: 2 });
    try {
      // Warm-up (not counted): the instances' first calls compile their code paths and load the prompts.
      await (
        await startSipp({
          scenario: { file: scenario },
          remote: `127.0.0.1:${proxy.port}`,
          service: '35',
          calls: 30 * instances,
          rate: 10,
          limit: 60,
          timeoutSec: 30,
        })
      ).done;
      let best: Record<string, unknown> | undefined;
      for (const rate of RATES) {
        const sipp = await startSipp({
          scenario: { file: scenario },
          remote: `127.0.0.1:${proxy.port}`,
          service: '35',
          calls: rate * STEP_SECONDS,
          rate,
          limit: rate * 3,
          timeoutSec: STEP_SECONDS * 6,
        });
        const res = await sipp.done;
        const step = {
          rate,
          ok: Number(res.stats['SuccessfulCall(C)'] ?? 0),
          failed: Number(res.stats['FailedCall(C)'] ?? 0),
          achieved: Number(res.stats['CallRate(C)'] ?? 0),
          load1: Math.round(loadavg()[0]! * 100) / 100,
        };
        process.stderr.write(`  proxy ${instances} instance(s), ${rate} cps: ${JSON.stringify(step)}\n`);
        if (step.failed > 0 || step.achieved < 0.8 * rate) break;
        best = step;
      }
      return { maxCallsPerSecondNoFailures: (best?.rate as number | undefined) ?? 0, best };
    } finally {
      await proxy.stop();
    }
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100) };
  for (const n of [1, 2, 3]) out[`instances${n}`] = await maxRate(n);
  return out;
}
