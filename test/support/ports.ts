import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/*
 * Test ports come from fixed bands that nothing else on the machine hands out, so a port a test picked stays free
 * until the peer (sipp, a server) binds it:
 * - below the kernel's ephemeral range (32768+), where every bind(0) — an RtpPeer, a client socket — would land;
 * - above the server's default RTP range (10000–20000).
 * freePort: 21000–24999. freeMediaPorts: even bases in 25000–30999.
 *
 * Every port handed out is also remembered for the life of the process: a probe only proves a port is free *now*,
 * and tests start peers in parallel (a caller sipp and its callee sipps), so two probes before either peer binds
 * would otherwise return the same port (seen in CI: a sipp's control socket "Address already in use").
 */
const SIGNALLING_BAND: [number, number] = [21000, 25000];
const MEDIA_BAND: [number, number] = [25000, 31000];

const handedOut = new Set<number>();

function randomIn([lo, hi]: [number, number], step = 1): number {
  return lo + step * Math.floor((Math.random() * (hi - lo)) / step);
}

function probeTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

function probeUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind(port, host, () => sock.close(() => resolve(true)));
  });
}

/** A port free over both UDP and TCP that this process has not handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = randomIn(SIGNALLING_BAND);
    if (handedOut.has(port)) continue;
    handedOut.add(port); // claimed before the first await, so a parallel call cannot pick it too
    if ((await probeTcp(port, host)) && (await probeUdp(port, host))) return port;
  }
  throw new Error(`freePort: no port in ${SIGNALLING_BAND.join('-')} free for both UDP and TCP after 100 attempts`);
}

/**
 * An even base port P whose span [P, P+span) is reserved for this process; P..P+3 (RTP/RTCP and the next pair —
 * what sipp's -mp needs) are probed free over UDP. Use the span as a media engine's port range.
 */
export async function freeMediaPorts(span = 4, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomIn([MEDIA_BAND[0], MEDIA_BAND[1] - span], 2);
    let clash = false;
    for (let p = base; p < base + span; p++) if (handedOut.has(p)) clash = true;
    if (clash) continue;
    for (let p = base; p < base + span; p++) handedOut.add(p);
    const probes = await Promise.all([0, 1, 2, 3].map((i) => probeUdp(base + i, host)));
    if (probes.every(Boolean)) return base;
  }
  throw new Error(`freeMediaPorts: no free span of ${span} ports in ${MEDIA_BAND.join('-')}`);
}

/** An even port P with P..P+3 free over UDP (sipp's -mp). */
export function freeMediaPortPair(host = '127.0.0.1'): Promise<number> {
  return freeMediaPorts(4, host);
}
