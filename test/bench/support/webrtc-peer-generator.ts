/**
 * Child process of the WebRTC benchmark: N werift peers (test/support/webrtc-peer.ts) on loopback, each sending
 * 50 packets/s of PCMU (SRTP) to its leg and counting what it decrypts from it. Running in its own process keeps
 * the peers' ICE/DTLS/SRTP work out of the measured process.
 *
 * IPC: open {count} → offers {offers}; answers {answers} → connected; start → started; snapshot → counters;
 * stop → counters; close → closed.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wavTo8kMono } from '../../../packages/runtime/src/media/prompt-cache.js';
import { encode } from '../../../packages/runtime/src/media/g711.js';
import { noise } from '../../support/audio-wav.js';
import { WebRtcPeer } from '../../support/webrtc-peer.js';

let peers: WebRtcPeer[] = [];
let timer: NodeJS.Timeout | undefined;
let running = false;
let sent = 0;
let late = 0;

const speechFile = fileURLToPath(new URL('../../../apps/quizconnect/prompts/welcome_callee.wav', import.meta.url));
const speechPcm = existsSync(speechFile) ? wavTo8kMono(readFileSync(speechFile)) : noise(8000 * 5, 6000);
const speech = encode('PCMU', speechPcm.subarray(0, Math.floor(speechPcm.length / 160) * 160));
const speechFrames = speech.length / 160;

function counters(): { sent: number; received: number; late: number } {
  return { sent, received: peers.reduce((a, p) => a + p.received, 0), late };
}

function start(): void {
  running = true;
  const base = performance.now();
  let n = 0;
  let seq = 0;
  const tick = () => {
    if (!running) return;
    const behind = Math.floor((performance.now() - (base + n * 20)) / 20);
    if (behind >= 1) {
      late += behind;
      n += behind;
    }
    for (let i = 0; i < peers.length; i++) {
      const f = ((seq + i * 7) % speechFrames) * 160;
      peers[i]!.sendAudio(speech.subarray(f, f + 160));
    }
    sent += peers.length;
    seq++;
    n++;
    timer = setTimeout(tick, Math.max(1, Math.ceil(base + n * 20 - performance.now())));
  };
  tick();
}

process.on('message', (raw) => {
  const msg = raw as { type: string; count?: number; answers?: string[] };
  void (async () => {
    switch (msg.type) {
      case 'open':
        peers = [];
        for (let i = 0; i < msg.count!; i++) peers.push(await WebRtcPeer.open({ codecs: ['PCMU'], record: false }));
        process.send!({ offers: peers.map((p) => p.offer) });
        break;
      case 'answers':
        await Promise.all(peers.map((p, i) => p.accept(msg.answers![i]!)));
        await Promise.all(peers.map((p) => p.connected(120_000)));
        process.send!({ connected: peers.length });
        break;
      case 'start':
        start();
        process.send!({ started: true });
        break;
      case 'snapshot':
        process.send!(counters());
        break;
      case 'stop':
        running = false;
        if (timer) clearTimeout(timer);
        process.send!(counters());
        break;
      case 'close':
        await Promise.all(peers.map((p) => p.close()));
        peers = [];
        sent = 0;
        late = 0;
        process.send!({ closed: true });
        break;
    }
  })().catch((err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) }));
});
