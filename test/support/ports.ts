import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A loopback port free for both UDP and TCP right now (SIP listens on both).
 * Tests ask for ports instead of hard-coding them, so suites can run side by side.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, host, () => sock.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('freePort: no port free for both UDP and TCP after 50 attempts');
}

/** An even port P with P and P+1 (RTP/RTCP) and P+2, P+3 free over UDP — what sipp's -mp needs. */
export async function freeMediaPortPair(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 10000);
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
