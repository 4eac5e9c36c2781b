import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/*
 * Test ports come from fixed bands that nothing else on the machine hands out, so a port a test picked stays free
 * until the peer (sipp, a server) binds it:
 * - below the kernel's ephemeral range (32768+), where every bind(0) — an RtpPeer, a client socket — would land;
 * - above the server's default RTP range (10000–20000).
 * freePort: 21000–24999. freeMediaPortPair: even ports 25000–30998 (callers may use base..base+999 as an RTP range).
 */
const SIGNALLING_BAND: [number, number] = [21000, 25000];
const MEDIA_BAND: [number, number] = [25000, 31000];

function randomIn([lo, hi]: [number, number], step = 1): number {
  return lo + step * Math.floor((Math.random() * (hi - lo)) / step);
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomIn(SIGNALLING_BAND);
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (!tcpFree) continue;
    const udpFree = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, host, () => sock.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error(`freePort: no port in ${SIGNALLING_BAND.join('-')} free for both UDP and TCP after 50 attempts`);
}

/** An even port P with P and P+1 (RTP/RTCP) and P+2, P+3 free over UDP — what sipp's -mp needs. */
export async function freeMediaPortPair(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = randomIn(MEDIA_BAND, 2);
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<boolean>((resolve) => {
            const sock = createSocket('udp4');
            sock.once('error', () => resolve(false));
            sock.bind(base + i, host, () => sock.close(() => resolve(true)));
          }),
      ),
    );
    if (results.every(Boolean)) return base;
  }
  throw new Error('freeMediaPortPair: no free even port pair found');
}
