/**
 * 'quizconnect-real' bench: quizconnect on its real workload, with the media engine on worker threads (the default)
 * and with `--media-workers 0` (in-thread), in one run, so every figure is also a ratio on one machine.
 *
 * The workload: a sipp caller dials a seeded number (MariaDB, through the MySQL path of @sipflow/lookup); the server
 * rings two callees on one sipp UAS; both answer; both type their PIN as RFC 4733 at the payload type the server
 * offered (101), the loser ~350 ms after the winner; the winner is connected and talks (looped µ-law RTP), the
 * loser gets BYE; the caller talks too for the hold time, then BYE.
 *
 * Per mode (its own server child process and callee UAS):
 * - rate steps (QC_REAL_RATES, QC_REAL_STEP_S s each): connected calls/s with 0 failed; after the first step with a
 *   failure, QC_REAL_REFINE (2) bisection steps between it and the last step that passed. A 503 (admission or call
 *   limit) is a failure, counted from sipp (response-time timer 2) and from the server's metrics and log.
 * - a step at 80 % of the capacity found (QC_REAL_STEP80_S s): ticks missed, p99 tick lateness.
 * - held steps (QC_REAL_HELD): N bridged calls up together for >= QC_REAL_PLATEAU_S s (arriving at
 *   QC_REAL_HELD_RATE, default half the capacity found), RTP both ways checked on the server's counters during the
 *   plateau; after the first step that fails, the same bisection.
 * - every step: ticks missed, p99 tick lateness (worst 1-s window), CPU of the main thread and of each worker (from
 *   /metrics counters), the process and both sipps (from /proc), peak RSS (VmHWM reset per step), load average.
 * - RSS idle at start, after the warm-up, and QC_REAL_SETTLE_S (60) s after the last load step.
 * QC_REAL_MODES=workers or in-thread runs one mode only.
 * The two modes take turns step by step (each with its own server and callee UAS, the other idle meanwhile), so a
 * drift of the machine's speed during the run falls on both alike: on the 2-vCPU VMs it moved one mode's figures by
 * 20–40 % within a quarter of an hour (docs/benchmarks.md). QC_REAL_SEQUENTIAL=1 runs one mode after the other.
 * QC_REAL_WORKERS=N gives the workers mode `--media-workers N` instead of the server's default (cores − 1, at least 1).
 * QC_REAL_NICE=-10 (root) runs the server and both sipps at that nice value, every thread: on a machine shared with
 * other jobs (test suites), the figures then show the server more than the neighbours' load. Reported as `nice`.
 * QC_BENCH_COMPILED=1 runs the compiled server (`npm run build` first) as `npm start` does in production, instead of
 * the TypeScript sources through tsx (≈ 45 MB less RSS: no compiler in the process). Reported as `server`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSipp, type SippProcess, type SippResult } from '../support/sipp.js';
import { startMariaDb, type MariaDb } from '../support/mariadb.js';
import { freePort } from '../support/ports.js';
import { seedRealWorkload, type QcRealSeed } from './support/qc-real-seed.js';
import { startQcServer, type QcServer } from './support/qc-server.js';
import { cpuMeter, cpuTicks, CLK_TCK, machineMeter } from './support/qc-proc.js';

export const name = 'quizconnect-real';

const RATES = envList('QC_REAL_RATES') ?? [10, 20, 30, 40, 50, 60, 80, 100];
const HELD = envList('QC_REAL_HELD') ?? [100, 200, 300, 400, 600, 800];
/**
 * New calls per rate step, s. A call lasts ≈ 4.5 s (connect with the PINs ≈ 1 s, the hold time, BYE), so 5 s steps
 * ended before the load was steady: they found a burst capacity that the 10 s step at 80 % of it then failed
 * (2026-12-06: 160 calls/s passed in 5 s, 128 failed in 10 s). 10 s, as long as the 80 % step.
 */
const STEP_S = envNum('QC_REAL_STEP_S', 10);
/**
 * Bisection steps between the last step that passed and the first that failed (rate and held alike), so that the
 * capacity of each mode — and their ratio — is not rounded down to the coarse grid (40 and 60 calls/s read as 1.5×
 * whether the edges are 45 and 60 or 40 and 79). 0: the grid only.
 */
const REFINE = envNum('QC_REAL_REFINE', 2);
const STEP80_S = envNum('QC_REAL_STEP80_S', 10);
/** Caller talk time after connect in the rate steps (sipp -d). */
const HOLD_MS = envNum('QC_REAL_HOLD_MS', 2000);
/** How long all N held calls must be up together. */
const PLATEAU_S = envNum('QC_REAL_PLATEAU_S', 6);
/** RSS is read this long after the last load step (the issue: a minute). */
const SETTLE_S = envNum('QC_REAL_SETTLE_S', 60);
/**
 * QC_REAL_HEAP_SNAPSHOT=DIR: the server writes a heap snapshot of its main thread into DIR when idle and at each held
 * step's plateau (N callers + N winners up), to see what each call keeps alive (diff the two in DevTools' Comparison
 * view). A snapshot pauses the server for seconds and doubles its RSS for a moment: the figures of that run do not count.
 */
const HEAP_SNAPSHOT_DIR = process.env.QC_REAL_HEAP_SNAPSHOT;
const HELD_RATE = process.env.QC_REAL_HELD_RATE ? envNum('QC_REAL_HELD_RATE', 20) : undefined;
const WORKERS = process.env.QC_REAL_WORKERS ? envNum('QC_REAL_WORKERS', 1) : undefined;
const MODES = (process.env.QC_REAL_MODES ?? 'workers,in-thread').split(',').filter((m): m is Mode => m === 'workers' || m === 'in-thread');
const CALLERS = 1000;
const NICE = process.env.QC_REAL_NICE ? Number(process.env.QC_REAL_NICE) : undefined;
/** Connect (PIN pcap ~1.2 s + signalling) and its slack under load, for sizing the held calls' hold time. */
const CONNECT_SLACK_S = 4;
const RTP_PPS = 50;
/** The server's warn lines for a 503 refusal (admission: media or signalling; the --max-calls limit). */
const REFUSAL_MSGS = ['media has no headroom: 503', 'signalling has no headroom: 503', 'call limit reached: 503'];

type Mode = 'workers' | 'in-thread';

function envList(name: string): number[] | undefined {
  const v = process.env[name];
  if (!v) return undefined;
  const list = v
    .split(',')
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);
  return list.length ? list : undefined;
}

const SEQUENTIAL = process.env.QC_REAL_SEQUENTIAL === '1';

/** The end of the last step queued: each step of either mode runs alone, in the order asked (FIFO). */
let turn: Promise<unknown> = Promise.resolve();

/** Runs `fn` once every step queued before it has finished: the two modes' steps alternate, never overlap. */
function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const run = turn.then(fn);
  turn = run.catch(() => undefined);
  return run;
}

/**
 * The largest value that passes: walks `grid` up to its first failure, then bisects between the last pass and that
 * failure REFINE times. 0 when the first value fails.
 */
async function findEdge(grid: number[], passes: (value: number) => Promise<boolean>): Promise<number> {
  let pass = 0;
  let fail: number | undefined;
  for (const v of grid) {
    if (!(await passes(v))) {
      fail = v;
      break;
    }
    pass = v;
  }
  for (let i = 0; i < REFINE && fail !== undefined && pass > 0; i++) {
    const mid = Math.round((pass + fail) / 2);
    if (mid <= pass || mid >= fail) break;
    if (await passes(mid)) pass = mid;
    else fail = mid;
  }
  return pass;
}

function envNum(name: string, dflt: number): number {
  const v = Number(process.env[name] ?? dflt);
  return Number.isFinite(v) && v >= 0 ? v : dflt;
}

const scenario = (f: string) => fileURLToPath(new URL(`./scenarios/${f}`, import.meta.url));
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
}

/**
 * Asks the server for a heap snapshot (QC_REAL_HEAP_SNAPSHOT) and waits until it is written (the server is paused
 * meanwhile), so that the next step does not start against a frozen server.
 */
async function heapSnapshot(pid: number, label: string): Promise<void> {
  if (!HEAP_SNAPSHOT_DIR) return;
  const dir = HEAP_SNAPSHOT_DIR;
  const files = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  const before = new Set(files());
  process.kill(pid, 'SIGUSR2');
  const t0 = performance.now();
  let size = -1;
  while (performance.now() - t0 < 120_000) {
    await sleep(500);
    const file = files().find((f) => !before.has(f));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) {
      process.stderr.write(`    heap snapshot (${label}): ${join(dir, file)}, ${round(now / 1e6, 1)} MB\n`);
      return;
    }
    size = now;
  }
  process.stderr.write(`    heap snapshot (${label}): not written within 120 s\n`);
}

/** Resets VmHWM to the current RSS (clear_refs 5, root or owner), so each step's peak is its own. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function num(stats: Record<string, string>, key: string): number {
  return Number(stats[key] ?? 0) || 0;
}

/** Sum of one response-time timer's buckets = how many times that timer was stopped (timer 1: 200, timer 2: 503). */
function rtdCount(stats: Record<string, string>, timer: number): number {
  const prefix = `ResponseTimeRepartition${timer}_`;
  return Object.keys(stats)
    .filter((k) => k.startsWith(prefix))
    .reduce((sum, k) => sum + num(stats, k), 0);
}

/** sipp writes response times as HH:MM:SS:mmm (or HH:MM:SS.uuuuuu); → ms. */
function parseRtd(v: string | undefined): number {
  if (!v) return 0;
  const m = /^(\d+):(\d+):(\d+)[:.](\d+)$/.exec(v.trim());
  if (!m) return Number(v) || 0;
  const frac = m[4]!.length === 6 ? Number(m[4]) / 1000 : Number(m[4]);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 + frac;
}

function sum(m: Map<string, number> | undefined, prefix: string): number {
  let total = 0;
  for (const [k, v] of m ?? []) if (k.startsWith(prefix)) total += v;
  return total;
}

/** The step's own tick-lateness histogram: bucket deltas between two scrapes → { le → ticks at most that late }. */
function latenessDelta(a: Map<string, number>, b: Map<string, number> | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [k, v] of b ?? []) {
    const m = /^sipflow_media_tick_lateness_histogram_ms_bucket\{le="([^"]+)"\}$/.exec(k);
    if (!m) continue;
    out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), v - (a.get(k) ?? 0)]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

/** Quantile q from cumulative buckets, linear within a bucket (as Prometheus' histogram_quantile); null if no ticks. */
function histQuantile(buckets: Array<[number, number]>, q: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of buckets) {
    if (n >= rank) {
      if (!Number.isFinite(le)) return prevLe; // beyond the last bound: report the bound (a floor)
      return round(prevLe + ((le - prevLe) * (rank - prevN)) / Math.max(1, n - prevN), 2);
    }
    prevLe = le;
    prevN = n;
  }
  return prevLe;
}

/** Per thread of `pid`: [ns on a CPU, ns runnable but waiting for a CPU] (/proc/<pid>/task/<tid>/schedstat). */
function schedstat(pid: number): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        out.set(Number(tid), [run ?? 0, wait ?? 0]);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

/**
 * How long the server's threads waited for a CPU while runnable, ms per second of the step: the main thread, the
 * thread that ran most apart from it (the media worker, with workers on), and the whole process. Other processes
 * on the machine (tests, sipp) show up here: a media clock cannot tick on time while its thread waits.
 */
function runQueueWait(a: Map<number, [number, number]>, b: Map<number, [number, number]>, pid: number, wallS: number) {
  const d = (tid: number) => {
    const x = a.get(tid) ?? [0, 0];
    const y = b.get(tid) ?? x;
    return [y[0] - x[0], y[1] - x[1]] as const;
  };
  let busiest: number | undefined;
  let total = 0;
  for (const tid of b.keys()) {
    total += d(tid)[1];
    if (tid !== pid && (busiest === undefined || d(tid)[0] > d(busiest)[0])) busiest = tid;
  }
  const perS = (ns: number) => round(ns / 1e6 / wallS, 0);
  return { mainThread: perS(d(pid)[1]), busiestOtherThread: busiest === undefined ? 0 : perS(d(busiest)[1]), process: perS(total) };
}

/** Every thread of `pid` to the QC_REAL_NICE value (threads made later inherit it from their creator). */
function applyNice(pid: number | undefined): void {
  if (NICE === undefined || !pid) return;
  for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), NICE);
}

function procCpuS(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return cpuTicks(pid) / CLK_TCK;
  } catch {
    return 0;
  }
}

interface Sample {
  t: number;
  streams: number;
  rtpIn: number;
  rtpOut: number;
  /** The main thread's event-loop utilisation as admission last sampled it, and prom-client's loop lag p99 (s). */
  elu: number | undefined;
  lagP99S: number | undefined;
  /** The process's RSS (MB) when the sample was taken. */
  rssMB: number | undefined;
  /** Each server thread's time on a CPU so far, ns (/proc/<pid>/task/<tid>/schedstat). */
  threadRunNs: Map<number, number>;
}

export interface RealStep {
  kind: 'rate' | 'at80pct' | 'held';
  /** Calls/s offered. */
  rate: number;
  /** Held steps: bridged calls to hold together. */
  held?: number;
  attempted: number;
  connected: number;
  failed: number;
  /** 503s the caller got (sipp), and the server's own counts: admission refusals, and its warn log by reason. */
  refused503: { sipp: number; admission: number; log: Record<string, number> };
  /** sipp's failure kinds (non-zero only). */
  failures: Record<string, number>;
  connectMsAvg: number;
  /**
   * SIP retransmissions during the step, from the server's counters: `in`, duplicates of requests it had not answered
   * yet (a peer's timer ran out first: the server's answer came later than T1, 500 ms, after the request reached the
   * host); `out`, its own resends (a peer's ACK or answer came late).
   */
  sipRetransmissions: { in: number | null; out: number | null };
  ticksMissed: number | null;
  /** Ticks run during the step (all clocks), and the p99 of their lateness, from the /metrics histogram's deltas. */
  ticks: number | null;
  p99TickLatenessMs: number | null;
  /** Share of the step's ticks more than 10 ms (half a tick) late. */
  ticksOver10msShare: number | null;
  /**
   * The step's ticks at least 10 ms late, by what took most of the delay (the server's own attribution,
   * `sipflow_media_late_ticks_total`): its thread waited for a CPU, a garbage collection, or its own work.
   */
  lateTicks: { cpu: number | null; gc: number | null; work: number | null };
  /**
   * CPU% (100 = one core) over the step: main thread and each worker from /metrics; process and sipps from /proc.
   * `mainThreadPeak`, `workersPeak`: the busiest second of the step (≈ 1 s between two samples, from /proc: a busy
   * worker's own reports come late) of the main thread and of as many other threads as there are workers, the
   * busiest first (the media workers). A worker near 100 has no core left, whatever its ticks say (relays run
   * outside them).
   */
  cpuPercent: {
    mainThread: number | null;
    workers: number[];
    mainThreadPeak: number;
    workersPeak: number[];
    process: number;
    sippCaller: number;
    sippCallees: number;
  };
  /**
   * The signalling thread as admission sees it, over the step's samples (every 500 ms): event-loop utilisation
   * (mean, max) and the event loop's lag p99 (max, ms).
   */
  signalling: { eluMean: number | null; eluMax: number | null; lagP99MaxMs: number | null };
  /** Main-thread CPU per connected call, ms (the whole step's main-thread CPU over its connected calls). */
  mainThreadCpuMsPerCall: number | null;
  /** Time the server's runnable threads waited for a CPU, ms per s (see runQueueWait). */
  runQueueWaitMsPerS: { mainThread: number; busiestOtherThread: number; process: number };
  /** Whole machine busy during the step (100 = every core). */
  machineBusyPercent: number;
  loadAvg: [number, number, number];
  rssPeakMB: number;
  rssEndMB: number;
  /** Each thread's V8 heap (total, MB) at the step's largest heap. */
  heapTotalMBAtPeak: Record<string, number>;
  /**
   * Held steps: the plateau where all N calls were bridged, RTP both ways on the server's counters, and the largest
   * RSS sampled while they were (the step's peak may be what the steps before it left).
   */
  plateau?: {
    seconds: number;
    streams: number;
    rtpInPps: number;
    rtpOutPps: number;
    expectedPps: number;
    rtpBothWays: boolean;
    rssMaxMB: number | null;
  };
  ok: boolean;
}

interface Ctx {
  server: QcServer;
  seed: QcRealSeed;
  uas: SippProcess;
}

async function waitIdle(server: QcServer, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const m = await server.metrics().catch(() => undefined);
    if (m && (m.get('sipflow_calls_active{app="quizconnect"}') ?? 0) === 0 && (m.get('sipflow_media_streams') ?? 0) === 0) return true;
    await sleep(250);
  }
  return false;
}

async function runStep(ctx: Ctx, kind: RealStep['kind'], rate: number, calls: number, holdMs: number, held?: number): Promise<RealStep> {
  const { server, seed, uas } = ctx;
  const pid = server.pid;
  const before = await server.metrics();
  const warn0 = server.warnings();
  const peakReset = resetPeakRss(pid);
  let rssMax = rssMB(pid);
  const cpu = cpuMeter(pid);
  const machine = machineMeter();
  const uasCpu0 = procCpuS(uas.pid);
  const sched0 = schedstat(pid);
  const t0 = performance.now();
  const connectS = calls / rate + CONNECT_SLACK_S;
  const sipp = await startSipp({
    scenario: { file: scenario('qc-real-uac.xml') },
    remote: `127.0.0.1:${server.sipPort}`,
    calls,
    rate,
    limit: held ?? Math.max(100, Math.ceil(rate * ((holdMs + 3000) / 1000) * 2)),
    timeoutSec: Math.ceil(connectS + holdMs / 1000 + 40),
    keys: seed.keys,
    args: ['-inf', seed.csvFile, '-d', String(holdMs)],
  });
  applyNice(sipp.pid);
  let uacCpuS = 0;
  let last: Map<string, number> | undefined;
  const samples: Sample[] = [];
  let heapAtMax: { sum: number; byThread: Record<string, number> } = { sum: 0, byThread: {} };
  let finished = false;
  let snapshotTaken = false;
  const poll = (async () => {
    while (!finished) {
      uacCpuS = Math.max(uacCpuS, procCpuS(sipp.pid));
      const m = await server.metrics().catch(() => undefined);
      let rssNow: number | undefined;
      try {
        rssNow = rssMB(pid);
        rssMax = Math.max(rssMax, rssNow);
      } catch {
        // the server died: the step fails on sipp's side
      }
      if (m) {
        last = m;
        // The V8 heaps at the step's largest RSS: what of the RSS is each thread's JavaScript heap.
        const heapNow = [...m].filter(([k]) => k.startsWith('sipflow_heap_bytes{') && k.includes('kind="total"'));
        const heapSum = heapNow.reduce((a, [, v]) => a + v, 0);
        if (heapSum > heapAtMax.sum)
          heapAtMax = { sum: heapSum, byThread: Object.fromEntries(heapNow.map(([k, v]) => [/thread="([^"]+)"/.exec(k)![1]!, round(v / 1e6, 1)])) };
        // 95 % of N callers + N winners: a few refused calls must not cost the snapshot.
        if (HEAP_SNAPSHOT_DIR && held !== undefined && !snapshotTaken && (m.get('sipflow_media_streams') ?? 0) >= 1.9 * held) {
          snapshotTaken = true;
          await heapSnapshot(pid, `held ${held}`);
        }
        samples.push({
          t: performance.now(),
          streams: m.get('sipflow_media_streams') ?? 0,
          rtpIn: m.get('sipflow_rtp_packets_total{direction="in"}') ?? 0,
          rtpOut: m.get('sipflow_rtp_packets_total{direction="out"}') ?? 0,
          elu: m.get('sipflow_admission_signalling_utilisation'),
          lagP99S: m.get('nodejs_eventloop_lag_p99_seconds'),
          rssMB: rssNow,
          threadRunNs: new Map([...schedstat(pid)].map(([tid, [run]]) => [tid, run])),
        });
      }
      await sleep(500);
    }
  })();
  const res: SippResult = await sipp.done;
  finished = true;
  await poll;
  const wallS = (performance.now() - t0) / 1000;
  const sched1 = schedstat(pid);
  const after = (await server.metrics().catch(() => undefined)) ?? last;
  const warn1 = server.warnings();
  const connected = rtdCount(res.stats, 1);
  const refusedSipp = rtdCount(res.stats, 2);
  const failures: Record<string, number> = {};
  for (const [k, v] of Object.entries(res.stats)) {
    if (k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(v) > 0) failures[k.slice(6, -3)] = Number(v);
  }
  const failedSipp = num(res.stats, 'FailedCall(C)');
  const successful = num(res.stats, 'SuccessfulCall(C)');
  // A 503 ends the call through stop_call, which sipp counts as a success: a call failed unless its 200 came.
  const failed = Math.max(failedSipp, calls - successful, calls - connected);
  const delta = (key: string) => {
    const a = before.get(key);
    const b = after?.get(key);
    return a !== undefined && b !== undefined ? b - a : null;
  };
  const deltaSum = (prefix: string) => (after ? sum(after, prefix) - sum(before, prefix) : 0);
  const mainCpuS = after?.has('sipflow_main_thread_cpu_seconds_total{mode="user"}') ? deltaSum('sipflow_main_thread_cpu_seconds_total') : null;
  const workers: number[] = [];
  const nWorkers = after?.get('sipflow_media_workers') ?? 0;
  for (let w = 0; w < nWorkers; w++) workers.push(round((deltaSum(`sipflow_media_worker_cpu_seconds_total{worker="${w}",`) / wallS) * 100, 0));
  const admission = delta('sipflow_admission_refused_total') ?? 0;
  const log: Record<string, number> = {};
  for (const msg of REFUSAL_MSGS) {
    const n = (warn1.get(msg) ?? 0) - (warn0.get(msg) ?? 0);
    if (n) log[msg] = n;
  }
  const hist = latenessDelta(before, after);
  const ticks = hist.length ? (hist.at(-1)?.[1] ?? 0) : null;
  const within10 = hist.find(([le]) => le === 10)?.[1];

  let plateau: RealStep['plateau'];
  if (held !== undefined) plateau = plateauOf(samples, held);
  const la = loadavg().map((v) => round(v, 2)) as [number, number, number];
  const step: RealStep = {
    kind,
    rate,
    ...(held !== undefined ? { held } : {}),
    attempted: calls,
    connected,
    failed,
    refused503: { sipp: refusedSipp, admission, log },
    failures,
    connectMsAvg: Math.round(parseRtd(res.stats['ResponseTime1(C)'])),
    sipRetransmissions: {
      in: delta('sipflow_sip_retransmissions_total{direction="in"}'),
      out: delta('sipflow_sip_retransmissions_total{direction="out"}'),
    },
    ticksMissed: delta('sipflow_media_ticks_missed_total'),
    ticks,
    p99TickLatenessMs: histQuantile(hist, 0.99),
    ticksOver10msShare: ticks && within10 !== undefined ? round((ticks - within10) / ticks, 4) : null,
    lateTicks: {
      cpu: delta('sipflow_media_late_ticks_total{cause="cpu"}'),
      gc: delta('sipflow_media_late_ticks_total{cause="gc"}'),
      work: delta('sipflow_media_late_ticks_total{cause="work"}'),
    },
    cpuPercent: {
      mainThread: mainCpuS === null ? null : round((mainCpuS / wallS) * 100, 0),
      workers,
      ...threadCpuPeaks(samples, pid, workers.length),
      process: cpu().percent,
      sippCaller: round((uacCpuS / wallS) * 100, 0),
      sippCallees: round(((procCpuS(uas.pid) - uasCpu0) / wallS) * 100, 0),
    },
    signalling: signallingOf(samples),
    mainThreadCpuMsPerCall: mainCpuS === null || connected === 0 ? null : round((mainCpuS * 1000) / connected, 2),
    runQueueWaitMsPerS: runQueueWait(sched0, sched1, pid, wallS),
    machineBusyPercent: machine(),
    loadAvg: la,
    rssPeakMB: peakReset ? Math.max(rssMax, rssMB(pid, 'VmHWM')) : rssMax,
    rssEndMB: rssMB(pid),
    heapTotalMBAtPeak: heapAtMax.byThread,
    ...(plateau ? { plateau } : {}),
    ok: res.code === 0 && failed === 0 && connected === calls && refusedSipp === 0 && admission === 0 && (plateau?.rtpBothWays ?? true),
  };
  if (!step.ok && res.errors) process.stderr.write(`    first sipp errors: ${res.errors.split('\n').slice(0, 6).join(' | ')}\n`);
  if (!step.ok && res.code !== 0 && res.code !== 1) process.stderr.write(`    sipp exited ${res.code}: ${res.stderr.slice(-400)}\n`);
  return step;
}

/** Each thread's largest CPU% over ≈ 1 s (samples 500 ms apart, two apart): the main thread's, and the `n` busiest others'. */
function threadCpuPeaks(samples: Sample[], pid: number, n: number): { mainThreadPeak: number; workersPeak: number[] } {
  const peak = new Map<number, number>();
  for (let i = 2; i < samples.length; i++) {
    const a = samples[i - 2]!;
    const b = samples[i]!;
    const ms = b.t - a.t;
    if (ms <= 0) continue;
    for (const [tid, run] of b.threadRunNs) {
      const before = a.threadRunNs.get(tid);
      if (before !== undefined) peak.set(tid, Math.max(peak.get(tid) ?? 0, round(((run - before) / 1e6 / ms) * 100, 0)));
    }
  }
  const others = [...peak].filter(([tid]) => tid !== pid).map(([, v]) => v);
  return { mainThreadPeak: peak.get(pid) ?? 0, workersPeak: others.sort((x, y) => y - x).slice(0, n) };
}

function signallingOf(samples: Sample[]): RealStep['signalling'] {
  const elus = samples.flatMap((s) => (s.elu === undefined ? [] : [s.elu]));
  const lags = samples.flatMap((s) => (s.lagP99S === undefined ? [] : [s.lagP99S]));
  return {
    eluMean: elus.length ? round(elus.reduce((a, b) => a + b, 0) / elus.length, 3) : null,
    eluMax: elus.length ? round(Math.max(...elus), 3) : null,
    lagP99MaxMs: lags.length ? round(Math.max(...lags) * 1000, 1) : null,
  };
}

/**
 * The longest run of samples where exactly 2N streams were open (N callers + N winners, every loser gone): the
 * plateau. RTP rates over it must be ≈ 50 pps × 2 legs × N each way.
 */
function plateauOf(samples: Sample[], n: number): NonNullable<RealStep['plateau']> {
  let best: [number, number] = [0, -1];
  let start = -1;
  for (let i = 0; i <= samples.length; i++) {
    const on = i < samples.length && samples[i]!.streams === 2 * n;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      if (i - 1 - start > best[1] - best[0]) best = [start, i - 1];
      start = -1;
    }
  }
  const expectedPps = RTP_PPS * 2 * n;
  if (best[1] <= best[0]) return { seconds: 0, streams: 2 * n, rtpInPps: 0, rtpOutPps: 0, expectedPps, rtpBothWays: false, rssMaxMB: null };
  const a = samples[best[0]]!;
  const b = samples[best[1]]!;
  const s = (b.t - a.t) / 1000;
  const rtpInPps = Math.round((b.rtpIn - a.rtpIn) / s);
  const rtpOutPps = Math.round((b.rtpOut - a.rtpOut) / s);
  const rss = samples.slice(best[0], best[1] + 1).flatMap((x) => (x.rssMB === undefined ? [] : [x.rssMB]));
  return {
    seconds: round(s),
    streams: 2 * n,
    rtpInPps,
    rtpOutPps,
    expectedPps,
    // Held long enough, and both directions within 10 % of 50 pps per leg (short: a leg lost its audio).
    rtpBothWays: s >= Math.min(5, PLATEAU_S - 1) && rtpInPps >= expectedPps * 0.9 && rtpOutPps >= expectedPps * 0.9,
    rssMaxMB: rss.length ? Math.max(...rss) : null,
  };
}

function log(mode: Mode, step: RealStep): void {
  const what = step.kind === 'held' ? `held ${step.held} @${step.rate} cps` : `${step.kind} ${step.rate} cps`;
  process.stderr.write(`  quizconnect-real [${mode}] ${what}: ${JSON.stringify(step)}\n`);
}

interface ModeResult {
  mediaWorkers: number | 'default';
  workers: number | null;
  maxConnectedCallsPerSecond: number;
  maxBridgedHeld: number;
  heldArrivalRate: number;
  at80pct: { rate: number; ticksMissed: number | null; p99TickLatenessMs: number | null; ok: boolean } | null;
  rssMB: {
    idleStart: number;
    afterWarmup: number;
    /** The 300 held step's peak, from its start (so also what the rate steps before it left)... */
    peakAt300Held: number | null;
    /** ...and the largest RSS while the 300 calls were all bridged. */
    whileHolding300: number | null;
    peakOverall: number;
    afterLoad: number | null;
    settleS: number;
  };
  rssAfterVsStart: number | null;
  rssAfterVsWarmup: number | null;
  /** Heap compactions the server ran with no call (main) or no stream (workers) left, and the main's last pause. */
  heapTrims: { main: number | null; workers: number | null; mainLastPauseMs: number | null };
  limitedBy: { rate: string; held: string };
  /** The callee UAS over the whole mode (every call it answered: winners and losers); its failures are listed. */
  callees: { successful: number; failed: number; failures: Record<string, number> };
  rateSteps: RealStep[];
  heldSteps: RealStep[];
  serverWarnings: Record<string, number>;
}

async function runMode(mode: Mode, dir: string, db: MariaDb, seed: QcRealSeed): Promise<ModeResult> {
  let uas: SippProcess | undefined;
  let server: QcServer | undefined;
  try {
    const uasPort = await freePort();
    uas = await startSipp({
      scenario: { file: scenario('qc-real-uas.xml') },
      port: uasPort,
      calls: 10_000_000,
      timeoutSec: 3600,
      keys: seed.keys,
    });
    let uasGone: SippResult | undefined;
    void uas.done.then((r) => (uasGone = r));
    server = await startQcServer({
      dir,
      dbUrl: db.url,
      outboundDomain: `127.0.0.1:${uasPort}`,
      ringTimeoutS: 15,
      maxCalls: 5000,
      // Both servers run at once when the modes take turns: each its own half of the range.
      rtpPorts: SEQUENTIAL ? '40000-59999' : mode === 'in-thread' ? '50000-59999' : '40000-49999',
      ...(mode === 'in-thread' ? { mediaWorkers: 0 } : WORKERS !== undefined ? { mediaWorkers: WORKERS } : {}),
    });
    applyNice(server.pid);
    applyNice(uas.pid);
    const ctx: Ctx = { server, seed, uas };
    const idleStart = rssMB(server.pid);
    await heapSnapshot(server.pid, 'idle');
    const m0 = await server.metrics();
    const workers = m0.get('sipflow_media_workers') ?? null;
    process.stderr.write(`  quizconnect-real [${mode}]: serving, ${workers ?? 0} media workers, RSS ${idleStart} MB\n`);
    // Warm-up (JIT, prompt cache, MariaDB pool), not reported.
    const warm = await inTurn(async () => {
      const w = await runStep(ctx, 'rate', 10, 20, HOLD_MS);
      await waitIdle(ctx.server, 30_000);
      return w;
    });
    if (warm.connected < 20) process.stderr.write(`  warm-up: only ${warm.connected}/20 connected: ${JSON.stringify(warm.failures)}\n`);
    const gone = uasGone as SippResult | undefined;
    if (gone) throw new Error(`callee UAS exited (${gone.code}): ${gone.stderr.slice(0, 500)}`);
    const afterWarmup = rssMB(server.pid);

    const rateSteps: RealStep[] = [];
    const rateStep = (rate: number): Promise<boolean> =>
      inTurn(async () => {
        const step = await runStep(ctx, 'rate', rate, Math.round(rate * STEP_S), HOLD_MS);
        rateSteps.push(step);
        log(mode, step);
        if (!(await waitIdle(ctx.server, 40_000))) process.stderr.write(`  [${mode}] calls still up 40 s after the ${rate} cps step\n`);
        return step.ok;
      });
    const capacity = await findEdge(RATES, rateStep);

    let at80: ModeResult['at80pct'] = null;
    if (capacity > 0) {
      const rate = Math.max(1, Math.round(capacity * 0.8));
      const step = await inTurn(async () => {
        const st = await runStep(ctx, 'at80pct', rate, Math.round(rate * STEP80_S), HOLD_MS);
        await waitIdle(ctx.server, 40_000);
        return st;
      });
      rateSteps.push(step);
      log(mode, step);
      at80 = { rate, ticksMissed: step.ticksMissed, p99TickLatenessMs: step.p99TickLatenessMs, ok: step.ok };
    }

    const heldRate = HELD_RATE ?? Math.min(40, Math.max(5, Math.round(capacity / 2)));
    const heldSteps: RealStep[] = [];
    const heldStep = (n: number): Promise<boolean> =>
      inTurn(async () => {
        const holdMs = Math.round((n / heldRate + CONNECT_SLACK_S + PLATEAU_S) * 1000);
        const step = await runStep(ctx, 'held', heldRate, n, holdMs, n);
        heldSteps.push(step);
        log(mode, step);
        if (!(await waitIdle(ctx.server, 60_000))) process.stderr.write(`  [${mode}] calls still up 60 s after holding ${n}\n`);
        return step.ok;
      });
    const maxHeld = await findEdge(HELD, heldStep);

    // RSS a minute after the load: what the server gives back once idle (no calls, no streams).
    let afterLoad: number | null = null;
    if (SETTLE_S > 0) {
      await sleep(SETTLE_S * 1000);
      afterLoad = rssMB(server.pid);
    }
    const mEnd = await server.metrics().catch(() => undefined);
    const heapTrims = {
      main: mEnd?.get('sipflow_heap_trims_total{thread="main"}') ?? null,
      workers: mEnd ? sum(mEnd, 'sipflow_heap_trims_total{thread="media-worker-') : null,
      mainLastPauseMs: mEnd?.get('sipflow_heap_trim_last_pause_ms') ?? null,
    };
    const all = [...rateSteps, ...heldSteps];
    const held300 = heldSteps.find((s) => s.held === 300);
    // Every call is over (waitIdle): stop the callee UAS to read its totals.
    uas.kill();
    const uasResult = await uas.done;
    const uasStats = uasResult.stats;
    if (num(uasStats, 'FailedCall(C)') > 0 && uasResult.errors)
      process.stderr.write(`  [${mode}] callee UAS errors: ${uasResult.errors.split('\n').slice(0, 8).join(' | ')}\n`);
    const calleeFailures: Record<string, number> = {};
    for (const [k, v] of Object.entries(uasStats)) {
      if (k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(v) > 0) calleeFailures[k.slice(6, -3)] = Number(v);
    }
    const limitedBy = (steps: RealStep[], last: string): string => {
      // The failing step nearest above the capacity found (a refinement step, when one failed).
      const f = steps.filter((s) => !s.ok && s.kind !== 'at80pct').sort((a, b) => (a.held ?? a.rate) - (b.held ?? b.rate))[0];
      if (!f) return `last step passed (${last})`;
      if (f.refused503.sipp || f.refused503.admission)
        return `503 refused (sipp ${f.refused503.sipp}, admission ${f.refused503.admission}, log ${JSON.stringify(f.refused503.log)})`;
      if (f.plateau && !f.plateau.rtpBothWays) return `RTP short on the plateau (${JSON.stringify(f.plateau)})`;
      return `calls failed: ${JSON.stringify(f.failures)}`;
    };
    return {
      mediaWorkers: mode === 'in-thread' ? 0 : (WORKERS ?? 'default'),
      workers,
      maxConnectedCallsPerSecond: capacity,
      maxBridgedHeld: maxHeld,
      heldArrivalRate: heldRate,
      at80pct: at80,
      rssMB: {
        idleStart,
        afterWarmup,
        peakAt300Held: held300?.rssPeakMB ?? null,
        whileHolding300: held300?.plateau?.rssMaxMB ?? null,
        peakOverall: Math.max(...all.map((s) => s.rssPeakMB)),
        afterLoad,
        settleS: SETTLE_S,
      },
      rssAfterVsStart: afterLoad === null ? null : round(afterLoad / idleStart, 2),
      rssAfterVsWarmup: afterLoad === null ? null : round(afterLoad / afterWarmup, 2),
      heapTrims,
      limitedBy: { rate: limitedBy(rateSteps, 'raise QC_REAL_RATES'), held: limitedBy(heldSteps, 'raise QC_REAL_HELD') },
      callees: { successful: num(uasStats, 'SuccessfulCall(C)'), failed: num(uasStats, 'FailedCall(C)'), failures: calleeFailures },
      rateSteps,
      heldSteps,
      serverWarnings: Object.fromEntries(server.warnings()),
    };
  } finally {
    // The server first, while the callee UAS still answers its BYEs (a clean stop is quick).
    const code = await server?.stop();
    if (code !== undefined && code !== 0) process.stderr.write(`  quizconnect-real server exited ${code}: ${server?.tail().slice(-3).join(' | ')}\n`);
    uas?.kill();
    if (uas) await uas.done;
  }
}

export async function run(): Promise<Record<string, unknown>> {
  if (spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error) throw new Error('sipp not found: install the Debian package sip-tester');
  if (process.getuid?.() !== 0) throw new Error('quizconnect-real needs root: sipp play_pcap_audio sends the PIN pcaps over a raw socket');
  const dir = mkdtempSync(join(tmpdir(), 'qc-real-'));
  let db: MariaDb | undefined;
  try {
    const t0 = Date.now();
    db = await startMariaDb();
    const seed = await seedRealWorkload(dir, db.url, CALLERS);
    process.stderr.write(`  quizconnect-real: MariaDB up and ${seed.rows} rows seeded in ${Date.now() - t0} ms\n`);
    const modes: Partial<Record<Mode, ModeResult>> = {};
    if (SEQUENTIAL) for (const mode of MODES) modes[mode] = await runMode(mode, dir, db, seed);
    else {
      // Both servers up together, their steps in turn (inTurn); the first failure is thrown once both have stopped.
      const settled = await Promise.allSettled(MODES.map(async (mode) => (modes[mode] = await runMode(mode, dir, db!, seed))));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const w = modes.workers;
    const t = modes['in-thread'];
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? round(a / b, 2) : null);
    return {
      workload: 'caller → 2 callees answer, RFC 4733 PINs (PT 101), winner talks, caller talks, BYE; MariaDB',
      holdMs: HOLD_MS,
      nice: NICE ?? 0,
      interleaved: !SEQUENTIAL && MODES.length > 1,
      server: process.env.QC_BENCH_COMPILED === '1' ? 'compiled' : 'tsx',
      stepSeconds: STEP_S,
      plateauSeconds: PLATEAU_S,
      seededCallers: seed.callers,
      ratios: {
        connectedCps: ratio(w?.maxConnectedCallsPerSecond, t?.maxConnectedCallsPerSecond),
        bridgedHeld: ratio(w?.maxBridgedHeld, t?.maxBridgedHeld),
      },
      workers: w,
      inThread: t,
      totalSeconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await db?.stop();
    if (!process.env.QC_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}
