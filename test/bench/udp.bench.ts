/**
 * 'udp' bench: what one RTP packet costs in Node's dgram on this machine, where the media engine spends most of
 * its time (see docs/media.md). Sender and receiver are separate processes (support/udp-probe.ts); each reports
 * its own CPU per packet. With strace installed, each side runs once more under `strace -c` to count the system
 * calls per packet (the figure a sendmmsg/recvmmsg binding would lower).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';

export const name = 'udp';

const PROBE = fileURLToPath(new URL('./support/udp-probe.ts', import.meta.url));
const COUNT = Number(process.env.UDP_BENCH_PACKETS ?? 200_000);

interface ProbeResult {
  mode: string;
  packets: number;
  cpuUs: number;
  userUs: number;
  systemUs: number;
  wallMs: number;
}

function probe(args: string[], strace?: string): { done: Promise<ProbeResult>; ready: Promise<void> } {
  const cmd = strace ? 'strace' : process.execPath;
  const argv = strace
    ? [
        '-f',
        '-c',
        '-o',
        strace,
        '-e',
        'trace=sendmsg,sendto,sendmmsg,recvmsg,recvfrom,recvmmsg,epoll_wait,epoll_pwait',
        process.execPath,
        '--import',
        'tsx',
        PROBE,
        ...args,
      ]
    : ['--import', 'tsx', PROBE, ...args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) readyResolve();
  });
  const done = new Promise<ProbeResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`udp probe ${args[0]} timed out`));
    }, 120_000);
    child.on('exit', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`udp probe ${args[0]} printed no result`));
      resolve(JSON.parse(line) as ProbeResult);
    });
  });
  if (args[0] !== 'recv') readyResolve();
  return { done, ready };
}

/** strace -c's table → calls per syscall name. */
function syscalls(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m) out[m[2]!] = Number(m[1]);
  }
  return out;
}

async function pair(sendMode: string, straceDir?: string): Promise<Record<string, unknown>> {
  const port = await freePort();
  const rx = probe(['recv', String(COUNT), String(port)], straceDir ? join(straceDir, `recv-${sendMode}`) : undefined);
  await rx.ready;
  const tx = probe([sendMode, String(COUNT), String(port)], straceDir ? join(straceDir, `send-${sendMode}`) : undefined);
  const [s, r] = await Promise.all([tx.done, rx.done]);
  const res: Record<string, unknown> = {
    sendCpuUsPerPacket: Math.round((s.cpuUs / s.packets) * 100) / 100,
    sendSystemShare: Math.round((s.systemUs / Math.max(1, s.cpuUs)) * 100) / 100,
    recvCpuUsPerPacket: Math.round((r.cpuUs / Math.max(1, r.packets)) * 100) / 100,
    recvSystemShare: Math.round((r.systemUs / Math.max(1, r.cpuUs)) * 100) / 100,
    delivered: r.packets,
    sent: s.packets,
  };
  if (straceDir) {
    const sc = syscalls(join(straceDir, `send-${sendMode}`));
    const rc = syscalls(join(straceDir, `recv-${sendMode}`));
    const perPacket = (n: number | undefined, d: number) => Math.round(((n ?? 0) / Math.max(1, d)) * 100) / 100;
    res.sendSyscallsPerPacket = perPacket((sc.sendmsg ?? 0) + (sc.sendto ?? 0) + (sc.sendmmsg ?? 0), s.packets);
    res.recvSyscallsPerPacket = perPacket((rc.recvmsg ?? 0) + (rc.recvfrom ?? 0) + (rc.recvmmsg ?? 0), r.packets);
    res.recvEpollWaitsPerPacket = perPacket((rc.epoll_wait ?? 0) + (rc.epoll_pwait ?? 0), r.packets);
  }
  return res;
}

export async function run(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = { packets: COUNT, payloadBytes: 172, loadAvg1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  for (const mode of ['send-connected', 'send-unconnected']) result[mode] = await pair(mode);
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0) {
    const dir = mkdtempSync(join(tmpdir(), 'udp-bench-'));
    try {
      result.syscalls = { 'send-connected': await pair('send-connected', dir) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}
