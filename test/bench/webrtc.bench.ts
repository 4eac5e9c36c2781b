/**
 * WebRTC legs against plain RTP legs, in one run and one process: N legs each playing a looped cached prompt out
 * and receiving 50 packets/s of G.711 speech. The WebRTC legs are createWebRtcStream (DTLS-SRTP, rtcp-mux, relayed
 * over loopback to an engine stream) on each stack — node-datachannel (the default) and werift — their peers N werift
 * peer connections in a child process; the RTP legs are plain engine streams fed by the media benchmark's load
 * generator (another child). Each on the in-thread engine, so the process's CPU (all threads: libdatachannel's
 * too) is all the legs'; node-datachannel once more with the engine on a media worker, as the server runs it, for
 * the main thread's own share. Figures per kind: CPU µs per leg-frame (one packet out, one in) of the process and
 * of the main thread, legs per core (20 ms / the process figure), packets the peers got. `npm run bench -- webrtc`.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import pino from 'pino';
import { MediaEngine, type MediaStreamApi } from '../../packages/runtime/src/media/index.js';
import { createMediaEngine } from '../../packages/runtime/src/media/create-media-engine.js';
import { createWebRtcStream, type WebRtcStack } from '../../packages/runtime/src/media/webrtc/webrtc-stream.js';
import { threadCpuMs } from '../../packages/runtime/src/util/thread-cpu.js';
import { tempDir, writeWav, sine } from '../support/audio-wav.js';
import { BenchChild, plainRtpOffer } from './support/bench-child.js';

export const name = 'webrtc';

const here = dirname(fileURLToPath(import.meta.url));
const LEGS = (process.env.WEBRTC_BENCH_LEGS ?? '20,50').split(',').map(Number);
const STACKS = (process.env.WEBRTC_BENCH_STACKS ?? 'datachannel,werift').split(',') as WebRtcStack[];
const WARMUP_MS = 2000;
const MEASURE_MS = Number(process.env.WEBRTC_BENCH_MS ?? 6000);
const logger = pino({ level: 'silent' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU of this process while the legs run, per leg-frame sent. */
async function measure(streams: MediaStreamApi[], snapshot: () => Promise<{ sent: number; received: number }>, n: number) {
  await sleep(WARMUP_MS);
  const sum = (f: (s: MediaStreamApi) => number) => streams.reduce((a, s) => a + f(s), 0);
  const out0 = sum((s) => s.stats.packetsOut);
  const in0 = sum((s) => s.stats.packetsIn);
  const g0 = await snapshot();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuMs();
  const t0 = performance.now();
  await sleep(MEASURE_MS);
  const cpu = process.cpuUsage(cpu0);
  const main1 = threadCpuMs();
  const mainUs = (main1.user + main1.system - main0.user - main0.system) * 1000;
  const elapsedMs = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  const g1 = await snapshot();
  const out = sum((s) => s.stats.packetsOut) - out0;
  const inbound = sum((s) => s.stats.packetsIn) - in0;
  const cpuUs = cpu.user + cpu.system;
  // Per leg-frame = per packet out plus one in: counted from both directions, so peers starved of CPU (a loaded
  // machine) that send fewer packets than due do not make a leg look cheaper.
  const legFrames = Math.max(1, (out + inbound) / 2);
  const usPerLegFrame = cpuUs / legFrames;
  return {
    legs: n,
    cpuUsPerLegFrame: +usPerLegFrame.toFixed(2),
    mainThreadCpuUsPerLegFrame: +(mainUs / legFrames).toFixed(2),
    legsPerCoreEstimate: Math.round(20_000 / usPerLegFrame),
    cpuPctTotal: +((cpuUs / 1000 / elapsedMs) * 100).toFixed(1),
    eventLoopUtilization: +elu.utilization.toFixed(3),
    framesOutExpected: Math.round((elapsedMs / 20) * n),
    framesOut: out,
    framesOutReceivedByPeers: g1.received - g0.received,
    framesInSentByPeers: g1.sent - g0.sent,
    framesIn: inbound,
    loadAvg1: +loadavg()[0]!.toFixed(2),
  };
}

async function runWebRtc(n: number, peers: BenchChild, prompt: string, stack: WebRtcStack, workers = 0): Promise<Record<string, unknown>> {
  const engine = await createMediaEngine({ logger, portRange: [30000, 34999], workers });
  const streams: MediaStreamApi[] = [];
  try {
    const { offers } = await peers.request<{ offers: string[] }>({ type: 'open', count: n });
    const t0 = performance.now();
    for (const offer of offers) {
      const s = await createWebRtcStream(engine, { logger, host: '127.0.0.1', deferSending: true, connectTimeoutMs: 60_000, stack }, offer);
      await s.play(prompt, { loop: true });
      streams.push(s);
    }
    const answerMs = (performance.now() - t0) / n;
    const t1 = performance.now();
    const connected = peers.request({ type: 'answers', answers: streams.map((s, i) => s.answer(offers[i]!)) });
    for (const s of streams) s.activate();
    await connected;
    const connectMs = performance.now() - t1;
    await peers.request({ type: 'start' });
    const figures = await measure(streams, () => peers.request({ type: 'snapshot' }), n);
    await peers.request({ type: 'stop' });
    return {
      stack,
      engine: workers ? 'media worker' : 'in-thread',
      ...figures,
      answerMsPerLeg: +answerMs.toFixed(1),
      allConnectedMs: Math.round(connectMs),
    };
  } finally {
    for (const s of streams) s.close();
    await peers.request({ type: 'close' }).catch(() => undefined);
    await engine.close();
  }
}

async function runRtp(n: number, gen: BenchChild, prompt: string): Promise<Record<string, unknown>> {
  const engine = await MediaEngine.create({ logger, portRange: [35000, 39999] });
  const streams: MediaStreamApi[] = [];
  try {
    const { ports } = await gen.request<{ ports: number[] }>({ type: 'open', count: n });
    for (const port of ports) {
      const s = await engine.createStream();
      s.answer(plainRtpOffer(port));
      await s.play(prompt, { loop: true });
      streams.push(s);
    }
    await gen.request({ type: 'start', targets: streams.map((s) => s.localPort) });
    const figures = await measure(streams, () => gen.request({ type: 'snapshot' }), n);
    await gen.request({ type: 'stop' });
    return figures;
  } finally {
    for (const s of streams) s.close();
    await engine.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const quiz = join(here, '..', '..', 'apps', 'quizconnect', 'prompts', 'welcome_caller.wav');
  const prompt = existsSync(quiz) ? quiz : writeWav(join(tempDir(), 'prompt.wav'), [sine(440, 3000, 8000)]);
  const peers = new BenchChild('webrtc-peer-generator.ts');
  const gen = new BenchChild('media-load-generator.ts');
  const result: Record<string, unknown> = {
    setup: `per leg: looped cached prompt out (PCMU), 50 pps PCMU speech in; WebRTC legs (${STACKS.join(', ')}: DTLS-SRTP + loopback relay to an engine stream, in-thread engine; node-datachannel again with the engine on 1 media worker) then plain RTP legs, same N, same process; ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up; peers in child processes`,
  };
  try {
    for (const n of LEGS) {
      const row: Record<string, unknown> = {};
      for (const stack of STACKS) {
        process.stderr.write(`  webrtc: ${n} WebRTC legs (${stack})...\n`);
        row[stack] = await runWebRtc(n, peers, prompt, stack).catch((err: Error) => ({ stack, error: err.message }));
      }
      if (STACKS.includes('datachannel')) {
        process.stderr.write(`  webrtc: ${n} WebRTC legs (datachannel, engine on a media worker)...\n`);
        row.datachannelWorkerEngine = await runWebRtc(n, peers, prompt, 'datachannel', 1).catch((err: Error) => ({ error: err.message }));
      }
      process.stderr.write(`  webrtc: ${n} RTP legs...\n`);
      const rtp = await runRtp(n, gen, prompt);
      row.rtp = rtp;
      for (const stack of STACKS) {
        row[`${stack}CpuPerLegVsRtp`] = +(((row[stack] as Record<string, number>).cpuUsPerLegFrame ?? 0) / (rtp.cpuUsPerLegFrame as number)).toFixed(
          1,
        );
      }
      result[`legs${n}`] = row;
    }
  } finally {
    peers.close();
    gen.close();
  }
  return result;
}

// Direct run: `npx tsx test/bench/webrtc.bench.ts`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then((r) => {
    console.log(JSON.stringify(r, null, 1));
    process.exit(0);
  });
}
