/**
 * Child process of the media benchmark: one UDP socket per leg, each sending 50 packets/s of G.711 speech to
 * its leg (deadline-paced, 20 ms) and counting what the leg sends back (packets, sequence gaps). Running in its
 * own process keeps the generator's cost out of the measured process.
 *
 * IPC (process.send): open {count} → ports {ports}; start {targets} → started; snapshot → counters; stop → counters.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wavTo8kMono } from '../../../packages/runtime/src/media/prompt-cache.js';
import { encode } from '../../../packages/runtime/src/media/g711.js';
import { noise } from '../../support/audio-wav.js';

interface Counters {
  sent: number;
  received: number;
  lost: number;
  late: number;
}

let sockets: Socket[] = [];
let targets: number[] = [];
let timer: NodeJS.Timeout | undefined;
let running = false;
let received = new Uint32Array(0);
let lastSeq = new Int32Array(0);
let sent = 0;
let lost = 0;
/** Generator ticks that ran more than one tick late (its own sending fell behind). */
let late = 0;

// Speech (a quizconnect prompt, looped; each leg at another offset) so the legs' in-band DTMF detection sees
// realistic audio; white noise when the prompt is not there.
const speechFile = fileURLToPath(new URL('../../../apps/quizconnect/prompts/welcome_callee.wav', import.meta.url));
const speechPcm = existsSync(speechFile) ? wavTo8kMono(readFileSync(speechFile)) : noise(8000 * 5, 6000);
const speech = encode('PCMU', speechPcm.subarray(0, Math.floor(speechPcm.length / 160) * 160));
const speechFrames = speech.length / 160;
const packets: Buffer[] = [];

function counters(): Counters {
  let r = 0;
  for (let i = 0; i < received.length; i++) r += received[i]!;
  return { sent, received: r, lost, late };
}

async function open(count: number): Promise<number[]> {
  sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = createSocket('udp4');
          s.once('error', reject);
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  received = new Uint32Array(count);
  lastSeq = new Int32Array(count).fill(-1);
  sockets.forEach((s, i) => {
    s.on('error', () => {});
    s.on('message', (msg: Buffer) => {
      if (msg.length < 12) return;
      received[i]!++;
      const seq = (msg[2]! << 8) | msg[3]!;
      const prev = lastSeq[i]!;
      if (prev >= 0) {
        const gap = (seq - prev - 1) & 0xffff;
        if (gap > 0 && gap < 1000) lost += gap;
      }
      lastSeq[i] = seq;
    });
  });
  return sockets.map((s) => s.address().port);
}

async function start(ports: number[]): Promise<void> {
  targets = ports;
  await Promise.all(sockets.map((s, i) => new Promise<void>((r) => s.connect(targets[i]!, '127.0.0.1', () => r()))));
  packets.length = 0;
  for (let i = 0; i < sockets.length; i++) {
    const b = Buffer.alloc(172);
    b[0] = 0x80;
    b[1] = 0;
    b.writeUInt32BE(0x10000 + i, 8);
    packets.push(b);
  }
  running = true;
  const base = performance.now();
  let n = 0;
  let seq = 0;
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    const behind = Math.floor((now - (base + n * 20)) / 20);
    if (behind >= 1) {
      late += behind;
      n += behind;
    }
    for (let i = 0; i < sockets.length; i++) {
      const b = packets[i]!;
      b[2] = (seq >> 8) & 0xff;
      b[3] = seq & 0xff;
      b.writeUInt32BE((seq * 160) >>> 0, 4);
      const f = ((seq + i * 7) % speechFrames) * 160;
      speech.copy(b, 12, f, f + 160);
      sockets[i]!.send(b);
    }
    sent += sockets.length;
    seq = (seq + 1) & 0xffff;
    n++;
    timer = setTimeout(tick, Math.max(1, Math.ceil(base + n * 20 - performance.now())));
  };
  tick();
}

function stop(): void {
  running = false;
  if (timer) clearTimeout(timer);
  for (const s of sockets) s.close();
  sockets = [];
}

process.on('message', (msg: { type: string; count?: number; targets?: number[] }) => {
  void (async () => {
    if (msg.type === 'open') process.send!({ type: 'ports', ports: await open(msg.count!) });
    else if (msg.type === 'start') {
      await start(msg.targets!);
      process.send!({ type: 'started' });
    } else if (msg.type === 'snapshot') process.send!({ type: 'counters', ...counters() });
    else if (msg.type === 'stop') {
      const c = counters();
      stop();
      sent = 0;
      lost = 0;
      late = 0;
      process.send!({ type: 'counters', ...c });
    } else if (msg.type === 'exit') process.exit(0);
  })();
});
process.on('disconnect', () => process.exit(0));
