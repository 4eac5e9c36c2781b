/**
 * 'quizconnect' bench: the whole app under load. The server (`npm run app quizconnect`) runs as a child process on
 * a fresh SQLite table of seeded callers; one sipp UAS on the outbound domain plays every callee (answers, types the
 * PIN by SIP INFO 100 ms apart; the second callee of a caller only rings and gets the CANCEL); a sipp UAC dials the
 * seeded callers in turn: INVITE, 183 (early media), 200 once the PIN matched, ACK, holds HOLD_MS, BYE.
 * The call rate steps up until fewer than 95% of the callers connect; maxConnectedCallsPerSecond is the last rate
 * before the first step where any caller failed. A call "connected" = the caller got its 200 OK
 * (counted from sipp's response-time buckets on that 200). Server CPU% (100 = one core) and peak RSS from /proc;
 * media-clock p99 lateness (last-second window) sampled from the admin /metrics every 500 ms, the worst kept.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSipp, type SippProcess, type SippResult } from '../support/sipp.js';
import { freePort } from '../support/ports.js';
import { seedCallees } from './support/qc-seed.js';
import { startQcServer, type QcServer } from './support/qc-server.js';
import { cpuMeter, machineMeter, peakRssMB } from './support/qc-proc.js';
import { loadavg } from 'node:os';

export const name = 'quizconnect';

/** Call rates stepped through; QC_BENCH_RATES=10,20,30 overrides. */
const RATES = envList('QC_BENCH_RATES') ?? [10, 25, 50, 75, 100, 150, 200];
const STEP_SECONDS = 5;
/** Caller talk time after connect (sipp -d); QC_BENCH_HOLD_MS overrides. */
const HOLD_MS = Number(process.env.QC_BENCH_HOLD_MS ?? 2000);
const CALLERS = 1000;
const RING_TIMEOUT_S = 15;
/** The server's log line when the media clock is behind and an INVITE gets 503. */
const OVERLOAD_MSG = 'media engine overloaded: 503';

function envList(name: string): number[] | undefined {
  const v = process.env[name];
  if (!v) return undefined;
  const list = v
    .split(',')
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);
  return list.length ? list : undefined;
}

const scenario = (f: string) => fileURLToPath(new URL(`./scenarios/${f}`, import.meta.url));

export interface QcStep {
  rate: number;
  attempted: number;
  connected: number;
  failed: number;
  /** Callers refused with 503 because the media clock was behind (counted from the server's warnings). */
  refused503: number;
  /** sipp's failure kinds (non-zero only). */
  failures: Record<string, number>;
  /** INVITE → 200 OK (lookup, 183, callee dialled and answered, 5 INFO digits 100 ms apart, caller told). */
  connectMsAvg: number;
  /** Share of connected calls whose 200 came within each bound (ms). */
  connectWithinMs: Record<string, number>;
  sippRetransmissions: number;
  serverCpuPercent: number;
  /**
   * Server CPU% over the last part of the arrival window (from HOLD_MS + 0.6 s after the first call to the last
   * arrival), when calls start and end at the asked rate: the load the rate really puts on the server.
   * `serverCpuPercent` is averaged over the whole step, its tail included, and reads lower.
   */
  serverCpuPercentSteady: number | null;
  /** Server CPU time of the step divided by the calls connected (SIP, flows, lookup and ~2.5 s of RTP per leg). */
  serverCpuMsPerCall: number | null;
  /** Whole machine busy during the step (100 = all cores): server + both sipps + whatever else runs on the box. */
  machineBusyPercent: number;
  /** 1-minute load average at the end of the step. */
  loadAvg1: number;
  /** Worst last-second p99 media-clock tick lateness seen during the step. */
  p99TickLatenessMs: number | null;
  ticksMissed: number | null;
  /** Longest media-clock stall and event-loop lag since the server started (cumulative maxima at step end), ms. */
  tickLatenessMaxMs: number | null;
  eventLoopLagMaxMs: number | null;
  peakActiveLegs: number | null;
  /** The server refused INVITEs with 503 because its media clock was behind, at some point in the step. */
  overloaded: boolean;
  ok: boolean;
}

function num(stats: Record<string, string>, key: string): number {
  return Number(stats[key] ?? 0) || 0;
}

/**
 * The 200-OK response-time buckets of the stat CSV (cumulative counts, one column per bound:
 * 'ResponseTimeRepartition1_<100', ..., 'ResponseTimeRepartition1_>=5000'): their sum is the number of 200s received.
 */
function connectBuckets(stats: Record<string, string>): { connected: number; within: Record<string, number> } {
  const prefix = 'ResponseTimeRepartition1_';
  const buckets = Object.keys(stats).filter((k) => k.startsWith(prefix));
  const connected = buckets.reduce((sum, k) => sum + num(stats, k), 0);
  let run = 0;
  const within: Record<string, number> = {};
  for (const k of buckets) {
    run += num(stats, k);
    const bound = k.slice(prefix.length);
    if (bound.startsWith('<')) within[bound] = connected ? Math.round((run / connected) * 1000) / 1000 : 0;
  }
  return { connected, within };
}

async function waitIdle(server: QcServer, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const m = await server.metrics().catch(() => undefined);
    if (m && (m.get('sipflow_calls_active{app="quizconnect"}') ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runStep(
  server: QcServer,
  csvFile: string,
  rate: number,
  calls: number,
): Promise<{
  res: SippResult;
  p99: number | null;
  ticksMissed: number | null;
  peakActive: number | null;
  overloaded: boolean;
  tickMax: number | null;
  lagMax: number | null;
  cpuSteady: number | null;
}> {
  const before = await server.metrics().catch(() => undefined);
  const sipp = await startSipp({
    scenario: { file: scenario('qc-load-uac.xml') },
    remote: `127.0.0.1:${server.sipPort}`,
    calls,
    rate,
    // Concurrency bound: a call lasts ~1 s to connect + HOLD_MS; twice that at the asked rate, at least 100.
    limit: Math.max(100, Math.ceil(rate * ((HOLD_MS + 1000) / 1000) * 2)),
    timeoutSec: STEP_SECONDS + 45,
    args: ['-inf', csvFile, '-d', String(HOLD_MS)],
  });
  // CPU while calls are still arriving and the first ones are ending (steady state: a call lasts ~HOLD_MS + 0.6 s).
  let cpuSteady: number | null = null;
  const steadyFrom = Math.min(HOLD_MS + 600, (STEP_SECONDS - 1) * 1000);
  const steadyTimers: NodeJS.Timeout[] = [];
  steadyTimers.push(
    setTimeout(() => {
      const meter = cpuMeter(server.pid);
      steadyTimers.push(setTimeout(() => (cpuSteady = meter().percent), STEP_SECONDS * 1000 - steadyFrom));
    }, steadyFrom),
  );
  let p99: number | null = null;
  let peakActive: number | null = null;
  let overloaded = false;
  let last: Map<string, number> | undefined;
  let finished = false;
  const poll = (async () => {
    while (!finished) {
      const m = await server.metrics().catch(() => undefined);
      if (m) {
        last = m;
        const q = m.get('sipflow_media_tick_lateness_ms{quantile="0.99"}');
        if (q !== undefined && Number.isFinite(q)) p99 = Math.max(p99 ?? 0, q);
        const active = m.get('sipflow_calls_active{app="quizconnect"}');
        if (active !== undefined) peakActive = Math.max(peakActive ?? 0, active);
        if (m.get('sipflow_media_overloaded') === 1) overloaded = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const res = await sipp.done;
  steadyTimers.forEach(clearTimeout);
  finished = true;
  await poll;
  const missed0 = before?.get('sipflow_media_ticks_missed_total');
  const missed1 = last?.get('sipflow_media_ticks_missed_total');
  const ticksMissed = missed0 !== undefined && missed1 !== undefined ? missed1 - missed0 : null;
  const tickMax = last?.get('sipflow_media_tick_lateness_ms{quantile="1"}') ?? null;
  const lagMax = last?.get('sipflow_event_loop_lag_ms{quantile="1"}') ?? null;
  return { res, p99: p99 === null ? null : Math.round(p99 * 100) / 100, ticksMissed, peakActive, overloaded, tickMax, lagMax, cpuSteady };
}

export async function run(): Promise<Record<string, unknown>> {
  if (spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error) throw new Error('sipp not found: install the Debian package sip-tester');
  const dir = mkdtempSync(join(tmpdir(), 'qc-bench-'));
  let uas: SippProcess | undefined;
  let server: QcServer | undefined;
  try {
    const t0 = Date.now();
    const seed = await seedCallees(dir, CALLERS);
    const seedMs = Date.now() - t0;
    const uasPort = await freePort();
    uas = await startSipp({
      scenario: { file: scenario('qc-load-uas.xml') },
      port: uasPort,
      calls: 10_000_000,
      timeoutSec: 300,
    });
    let uasGone: SippResult | undefined;
    void uas.done.then((r) => (uasGone = r));
    server = await startQcServer({
      dir,
      dbUrl: seed.dbUrl,
      outboundDomain: `127.0.0.1:${uasPort}`,
      ringTimeoutS: RING_TIMEOUT_S,
      maxCalls: 5000,
      rtpPorts: '40000-59999',
    });
    const startMs = Date.now() - t0 - seedMs;
    process.stderr.write(`  quizconnect: seeded ${seed.rows} rows in ${seedMs} ms, server serving after ${startMs} ms\n`);
    // Warm-up (JIT, prompt cache, SQLite worker), not reported.
    await runStep(server, seed.csvFile, 10, 20);
    await waitIdle(server, 20_000);
    const gone = uasGone as SippResult | undefined;
    if (gone) throw new Error(`callee UAS exited (${gone.code}): ${gone.stderr.slice(0, 500)}`);

    const steps: QcStep[] = [];
    for (const rate of RATES) {
      const attempted = rate * STEP_SECONDS;
      const cpu = cpuMeter(server.pid);
      const machine = machineMeter();
      const refusedBefore = server.warnings().get(OVERLOAD_MSG) ?? 0;
      const { res, p99, ticksMissed, peakActive, overloaded, tickMax, lagMax, cpuSteady } = await runStep(server, seed.csvFile, rate, attempted);
      const { percent: serverCpuPercent, cpuMs } = cpu();
      const machineBusyPercent = machine();
      const { connected, within } = connectBuckets(res.stats);
      const failures: Record<string, number> = {};
      for (const [k, v] of Object.entries(res.stats)) {
        if (k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(v) > 0) failures[k.slice(6, -3)] = Number(v);
      }
      const failed = num(res.stats, 'FailedCall(C)');
      const step: QcStep = {
        rate,
        attempted,
        connected,
        failed,
        refused503: (server.warnings().get(OVERLOAD_MSG) ?? 0) - refusedBefore,
        failures,
        connectMsAvg: Math.round(parseRtd(res.stats['ResponseTime1(C)'])),
        connectWithinMs: within,
        sippRetransmissions: num(res.stats, 'Retransmissions(C)'),
        serverCpuPercent,
        serverCpuPercentSteady: cpuSteady,
        serverCpuMsPerCall: connected ? Math.round((cpuMs / connected) * 10) / 10 : null,
        machineBusyPercent,
        loadAvg1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        p99TickLatenessMs: p99,
        ticksMissed,
        tickLatenessMaxMs: tickMax === null ? null : Math.round(tickMax),
        eventLoopLagMaxMs: lagMax === null ? null : Math.round(lagMax),
        peakActiveLegs: peakActive,
        overloaded,
        ok: res.code === 0 && failed === 0 && connected === attempted,
      };
      steps.push(step);
      process.stderr.write(`  quizconnect ${rate} cps: ${JSON.stringify(step)}\n`);
      if (!step.ok && res.errors) process.stderr.write(`  first sipp errors: ${res.errors.split('\n').slice(0, 6).join(' | ')}\n`);
      // Go on past the first failures while at least 95% connect: where 503s start and where they dominate are
      // both worth knowing (the server sheds load with 503 when its media clock falls behind).
      if (connected < attempted * 0.95) break;
      await waitIdle(server, 25_000);
    }
    const firstFail = steps.findIndex((s) => !s.ok);
    const best = firstFail === 0 ? undefined : steps[(firstFail < 0 ? steps.length : firstFail) - 1];
    const soft = steps.filter((s) => s.connected >= s.attempted * 0.99).pop();
    const warnings = Object.fromEntries(server.warnings());
    return {
      maxConnectedCallsPerSecond: best?.rate ?? 0,
      /** Steady-state server CPU% at that rate (100 = one core; the server is one Node thread). */
      serverCpuPercentAtMax: best ? (best.serverCpuPercentSteady ?? best.serverCpuPercent) : null,
      /** Highest rate at which at least 99% of the callers connected (the rest got 503 from overload control). */
      maxRate99PctConnected: soft?.rate ?? 0,
      serverPeakRssMB: peakRssMB(server.pid),
      limitedBy: steps.every((s) => s.ok)
        ? 'last step passed (raise RATES)'
        : steps.some((s) => s.refused503 > 0)
          ? 'media clock behind: 503 (overload control)'
          : 'a caller failed to connect',
      holdMs: HOLD_MS,
      stepSeconds: STEP_SECONDS,
      seededCallers: seed.callers,
      seededRows: seed.rows,
      serverWarnings: warnings,
      perStep: steps,
    };
  } finally {
    // The server first, while the callee UAS still answers its BYEs and CANCELs (a clean stop is quick).
    const code = await server?.stop();
    if (code !== undefined && code !== 0) process.stderr.write(`  quizconnect server exited ${code}: ${server?.tail().slice(-3).join(' | ')}\n`);
    uas?.kill();
    if (uas) await uas.done;
    if (!process.env.QC_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/** sipp writes response times as HH:MM:SS:mmm (or HH:MM:SS.uuuuuu); → ms. */
function parseRtd(v: string | undefined): number {
  if (!v) return 0;
  const m = /^(\d+):(\d+):(\d+)[:.](\d+)$/.exec(v.trim());
  if (!m) return Number(v) || 0;
  const frac = m[4]!.length === 6 ? Number(m[4]) / 1000 : Number(m[4]);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 + frac;
}
