/**
 * Media engine benchmark: N concurrent legs (100, 500, 1000), each playing a cached prompt in a loop and
 * receiving 50 packets/s of G.711 speech from a load generator in a child process (so the generator's work is
 * not measured). Figures per N: CPU per leg (µs per leg-frame processed — one packet out, one in — and % of a core), p50/p99/max tick
 * lateness, ticks missed, frames lost on the way out (sequence gaps at the generator), inbound overruns and
 * drops, heap per leg. `npm run bench -- media`.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import pino from 'pino';
import { MediaEngine, type MediaStream } from '../../packages/runtime/src/media/index.js';
import { tempDir, writeWav, sine } from '../support/audio-wav.js';
import { collectGarbage } from '../support/gc.js';
import { BenchChild, plainRtpOffer } from './support/bench-child.js';

export const name = 'media';

const here = dirname(fileURLToPath(import.meta.url));
const LEGS = (process.env.MEDIA_BENCH_LEGS ?? '100,500,1000').split(',').map(Number);
const WARMUP_MS = 2000;
const MEASURE_MS = Number(process.env.MEDIA_BENCH_MS ?? 8000);

interface Counters {
  sent: number;
  received: number;
  lost: number;
  late: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runLegs(n: number, gen: BenchChild, prompt: string): Promise<Record<string, unknown>> {
  const engine = await MediaEngine.create({ logger: pino({ level: 'silent' }), portRange: [20000, 29999] });
  const streams: MediaStream[] = [];
  try {
    collectGarbage();
    const mem0 = process.memoryUsage();
    const { ports } = await gen.request<{ ports: number[] }>({ type: 'open', count: n });
    for (let i = 0; i < n; i++) {
      const s = await engine.createStream();
      s.answer(plainRtpOffer(ports[i]!));
      await s.play(prompt, { loop: true });
      streams.push(s);
    }
    collectGarbage();
    const mem1 = process.memoryUsage();
    const heapPerLeg = (mem1.heapUsed - mem0.heapUsed) / n;
    const buffersPerLeg = (mem1.arrayBuffers - mem0.arrayBuffers) / n;
    await gen.request({ type: 'start', targets: streams.map((s) => s.localPort) });
    await sleep(WARMUP_MS);

    engine.resetClockStats();
    const sum = (f: (s: MediaStream) => number) => streams.reduce((a, s) => a + f(s), 0);
    const out0 = sum((s) => s.stats.packetsOut);
    const in0 = sum((s) => s.stats.packetsIn);
    const g0 = await gen.request<Counters>({ type: 'snapshot' });
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    const cpu = process.cpuUsage(cpu0);
    const elapsedMs = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0);
    const g1 = await gen.request<Counters>({ type: 'snapshot' });
    const clock = engine.clockStats;
    const out = sum((s) => s.stats.packetsOut) - out0;
    const inbound = sum((s) => s.stats.packetsIn) - in0;
    await gen.request({ type: 'stop' });

    const cpuUs = cpu.user + cpu.system;
    // Per leg-frame actually processed (one packet out + one in): stays meaningful when a starved process
    // falls behind and drops frames. 20 ms of one core / that = legs one core can carry in real time.
    const usPerLegFrame = cpuUs / Math.max(1, out);
    return {
      legs: n,
      cpuUsPerLegFrame: +usPerLegFrame.toFixed(2),
      // Split: user = JS + node/libuv; system = syscalls (UDP send/receive on loopback, epoll).
      cpuUserUsPerLegFrame: +(cpu.user / Math.max(1, out)).toFixed(2),
      cpuSysUsPerLegFrame: +(cpu.system / Math.max(1, out)).toFixed(2),
      cpuPctPerLeg: +((usPerLegFrame / 20_000) * 100).toFixed(4),
      legsPerCoreEstimate: Math.round(20_000 / usPerLegFrame),
      cpuPctTotal: +((cpuUs / 1000 / elapsedMs) * 100).toFixed(1),
      eventLoopUtilization: +elu.utilization.toFixed(3),
      loadAvg1: +loadavg()[0]!.toFixed(2),
      tickBusyMeanMs: clock.busyMeanMs,
      latenessP50Ms: clock.latenessP50,
      latenessP99Ms: clock.latenessP99,
      latenessMaxMs: clock.latenessMax,
      ticksMissed: clock.ticksMissed,
      framesCaughtUp: clock.framesCaughtUp,
      framesDropped: clock.framesDropped,
      overloaded: engine.overloaded,
      framesOutExpected: Math.round((elapsedMs / 20) * n),
      framesOut: out,
      framesOutReceived: g1.received - g0.received,
      framesOutLost: g1.lost - g0.lost,
      framesInSent: g1.sent - g0.sent,
      framesIn: inbound,
      inboundOverruns: sum((s) => s.stats.overruns),
      inboundDropped: sum((s) => s.stats.packetsDropped),
      generatorTicksLate: g1.late - g0.late,
      heapKiBPerLeg: +(heapPerLeg / 1024).toFixed(1),
      buffersKiBPerLeg: +(buffersPerLeg / 1024).toFixed(1),
    };
  } finally {
    await engine.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const quiz = join(here, '..', '..', 'apps', 'quizconnect', 'prompts', 'welcome_caller.wav');
  const prompt = existsSync(quiz) ? quiz : writeWav(join(tempDir(), 'prompt.wav'), [sine(440, 3000, 8000)]);
  const gen = new BenchChild('media-load-generator.ts', 30_000);
  const result: Record<string, unknown> = {
    setup: `per leg: looped cached prompt out (PCMU), 50 pps G.711 speech in (in-band DTMF detection on), ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up; load generator in a child process`,
  };
  try {
    for (const n of LEGS) {
      process.stderr.write(`  media: ${n} legs...\n`);
      result[`legs${n}`] = await runLegs(n, gen, prompt);
    }
  } finally {
    gen.close();
  }
  return result;
}

// Direct run: `npx tsx test/bench/media.bench.ts`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then((r) => {
    console.log(JSON.stringify(r, null, 1));
    process.exit(0);
  });
}
