/**
 * `npm run bench -- memory`: does memory come back? The quizconnect server (a child process, its default media
 * workers, 1000 legs, 1000 RTP port pairs) is put through the hardening runs one after the other, and after each its
 * idle resident set is compared with its idle value after start:
 * - fuzz: 5,000 datagrams to its SIP port — random bytes, truncated and byte-mutated INVITEs/BYEs/OPTIONS;
 * - loss: 50 quizconnect calls from a sipp caller that loses 30 % of its SIP messages (-lost 30) and CANCELs 4 s
 *   after the early media starts;
 * - flood: INVITEs at 300/s for 10 s (3,000), each admitted one hearing 2 s of early media, then CANCEL.
 * After a run: wait until no call and no stream is left, then sample RSS (VmRSS of the process: every thread) once a
 * second for MEM_IDLE_S seconds (default 30); the figure is the last sample. Ended calls' records are kept 5 s
 * (--keep-ended 5), so they are gone by then. Figures: MB, and the ratio to the start value (the issue's target:
 * at most 1.2), with the main thread's V8 heap (used) from /metrics.
 * Env: MEM_FLOOD_S (default 10), MEM_IDLE_S (default 30); QC_BENCH_COMPILED=1 runs the compiled server.
 * MEM_HEAP_SNAPSHOT=DIR: after each idle measurement the server writes a heap snapshot of its main thread into DIR
 * (a full collection first, so it shows what is live), the RSS right after it is reported (`rssAfterSnapshotMB`),
 * and the live heap of each run and the groups that grew most from start to the end (test/bench/support/heap-diff.ts).
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLookup } from '../../packages/lookup/src/index.js';
import { seededRandom } from '../../packages/runtime/test/sip/helpers.js';
import { scenario } from '../support/quizconnect-harness.js';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';
import { startQcServer, type QcServer } from './support/qc-server.js';
import { heapGrowth, heapSummary, totalBytes } from './support/heap-diff.js';

export const name = 'memory';

const FLOOD_S = Number(process.env.MEM_FLOOD_S ?? 10);
const IDLE_S = Number(process.env.MEM_IDLE_S ?? 30);
const FUZZ_DATAGRAMS = 5000;
const SNAPSHOT_DIR = process.env.MEM_HEAP_SNAPSHOT;

function rssMB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Main-thread V8 heap used (MB), calls active and streams open, from /metrics. */
async function serverState(server: QcServer): Promise<{ heapMB: number; calls: number; streams: number }> {
  const m = await server.metrics();
  let calls = 0;
  for (const [k, v] of m) if (k.startsWith('sipflow_calls_active')) calls += v;
  return {
    heapMB: round1((m.get('sipflow_heap_bytes{thread="main",kind="used"}') ?? 0) / 2 ** 20),
    calls,
    streams: m.get('sipflow_media_streams') ?? 0,
  };
}

/** Wait for no call and no stream (at most 90 s: 64·T1 is 32 s), then RSS once a second for IDLE_S s. */
async function idle(server: QcServer, peakMB: number): Promise<Record<string, number>> {
  const deadline = Date.now() + 90_000;
  let state = await serverState(server);
  while ((state.calls > 0 || state.streams > 0) && Date.now() < deadline) {
    await sleep(500);
    state = await serverState(server);
  }
  const leftCalls = state.calls;
  const samples: number[] = [];
  for (let i = 0; i < IDLE_S; i++) {
    await sleep(1000);
    samples.push(rssMB(server.pid));
  }
  state = await serverState(server);
  const out: Record<string, number> = {
    peakMB,
    idleMB: samples[samples.length - 1]!,
    idleMinMB: Math.min(...samples),
    mainHeapUsedMB: state.heapMB,
    callsLeft: leftCalls,
  };
  const snapshot = await heapSnapshot(server.pid);
  if (snapshot) {
    snapshots.push(snapshot);
    out['rssAfterSnapshotMB'] = rssMB(server.pid);
    out['liveHeapMB'] = round1(totalBytes(heapSummary(snapshot)) / 2 ** 20);
  }
  return out;
}

const snapshots: string[] = [];

/** Ask for a heap snapshot (SIGUSR2) and wait until its file stops growing; its path, or undefined. */
async function heapSnapshot(pid: number): Promise<string | undefined> {
  if (!SNAPSHOT_DIR) return undefined;
  const files = () => readdirSync(SNAPSHOT_DIR).filter((f) => f.endsWith('.heapsnapshot'));
  const before = new Set(files());
  process.kill(pid, 'SIGUSR2');
  let size = -1;
  for (let i = 0; i < 240; i++) {
    await sleep(500);
    const file = files().find((f) => !before.has(f));
    if (!file) continue;
    const now = statSync(join(SNAPSHOT_DIR, file)).size;
    if (now === size && now > 0) return join(SNAPSHOT_DIR, file);
    size = now;
  }
  return undefined;
}

/** RSS peak while `work` runs (sampled every 200 ms). */
async function withPeak(pid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = rssMB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMB(pid))), 200);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssMB(pid));
}

async function fuzz(port: number): Promise<void> {
  const random = seededRandom(16);
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const { port: me } = sock.address();
  const template = (method: string, i: number) =>
    [
      `${method} sip:35@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-fz${i}`,
      `From: <sip:fuzz@127.0.0.1>;tag=f${i}`,
      `To: <sip:35@127.0.0.1:${port}>`,
      `Call-ID: fuzz-${i}@127.0.0.1`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:fuzz@127.0.0.1:${me}>`,
      'Max-Forwards: 70',
      'Content-Type: application/sdp',
      'Content-Length: 63',
      '',
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0',
    ].join('\r\n');
  for (let i = 0; i < FUZZ_DATAGRAMS; i++) {
    let data: Buffer;
    const kind = i % 3;
    if (kind === 0) data = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 1400) }, () => Math.floor(random() * 256)));
    else {
      data = Buffer.from(template(['INVITE', 'BYE', 'OPTIONS', 'CANCEL', 'ACK'][Math.floor(random() * 5)]!, i));
      if (kind === 1) data = data.subarray(0, Math.floor(random() * data.length));
      else for (let f = 0; f < 1 + Math.floor(random() * 8); f++) data[Math.floor(random() * data.length)] = Math.floor(random() * 256);
    }
    await new Promise<void>((r) => sock.send(data, port, '127.0.0.1', () => r()));
    if (i % 100 === 99) await sleep(20); // ≈ 5,000 datagrams/s
  }
  sock.close();
}

export async function run(): Promise<Record<string, unknown>> {
  if (spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error) throw new Error('sipp not found: install the Debian package sip-tester');
  const dir = mkdtempSync(join(tmpdir(), 'mem-bench-'));
  if (SNAPSHOT_DIR) process.env.QC_REAL_HEAP_SNAPSHOT = SNAPSHOT_DIR; // qc-server: --heapsnapshot-signal=SIGUSR2
  const dbUrl = `sqlite:${join(dir, 'callees.sqlite')}`;
  const lookup = createLookup(dbUrl);
  await lookup.open();
  await lookup.initSchema();
  await lookup.add('35', 'john', '12345');
  await lookup.add('35', 'anna', '54321');
  await lookup.close();
  const calleePort = await freePort();
  const server = await startQcServer({
    dir,
    dbUrl,
    outboundDomain: `127.0.0.1:${calleePort}`,
    ringTimeoutS: 60,
    maxCalls: 1000,
    rtpPorts: '32000-33999',
  });
  // Every callee rings until the server CANCELs it.
  const callees = await startSipp({
    scenario: { file: scenario('qc-callees-uas.xml') },
    port: calleePort,
    calls: 1_000_000,
    keys: { ptdir: dir, john: 'ring', anna: 'ring', bob: 'notfound', john_port: '9', anna_port: '9', bob_port: '9' },
    timeoutSec: 3600,
  });
  const load: number[][] = [loadavg().map(round1)];
  try {
    const start = await idle(server, rssMB(server.pid));
    const runs: Record<string, Record<string, number>> = { start };
    const remote = `127.0.0.1:${server.sipPort}`;

    process.stderr.write('memory: fuzz\n');
    runs['fuzz'] = await idle(server, await withPeak(server.pid, () => fuzz(server.sipPort)));
    load.push(loadavg().map(round1));

    process.stderr.write('memory: 30 % loss\n');
    const lossy = async () => {
      const sipp = await startSipp({
        scenario: { file: scenario('qc-caller-cancel.xml') },
        remote,
        service: '35',
        calls: 50,
        rate: 5,
        keys: { rtp_port: '9' },
        timeoutSec: 120,
        args: ['-d', '4000', '-lost', '30', '-recv_timeout', '40000'],
      });
      return sipp.done;
    };
    runs['loss'] = await idle(server, await withPeak(server.pid, lossy));
    load.push(loadavg().map(round1));

    process.stderr.write(`memory: flood 300/s for ${FLOOD_S} s\n`);
    const flood = async () => {
      const sipp = await startSipp({
        scenario: { file: scenario('qc-caller-flood.xml') },
        remote,
        service: '35',
        calls: 300 * FLOOD_S,
        rate: 300,
        timeoutSec: 180,
        args: ['-d', '2000'],
      });
      return sipp.done;
    };
    runs['flood'] = await idle(server, await withPeak(server.pid, flood));
    load.push(loadavg().map(round1));

    const ratios = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.round((v.idleMB! / start.idleMB!) * 100) / 100]));
    const grown =
      snapshots.length >= 2
        ? heapGrowth(heapSummary(snapshots[0]!), heapSummary(snapshots[snapshots.length - 1]!), 12).map((g) => ({
            ...g,
            MB: round1(g.bytes / 2 ** 20),
          }))
        : undefined;
    return {
      idleS: IDLE_S,
      floodS: FLOOD_S,
      runs,
      idleRatioToStart: ratios,
      loadAvg: load,
      ...(grown ? { liveHeapGrowthStartToEnd: grown, snapshots } : {}),
    };
  } finally {
    callees.kill();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
