/**
 * One side of the UDP path benchmark, run as its own process (so its CPU and, under strace, its system calls are
 * its own). argv: <mode> <count> <port>
 *   send-connected    connect() then send(buf) per packet, no callback (what a latched stream does)
 *   send-unconnected  send(buf, port, host) per packet (before latching)
 *   recv              bind <port>, count <count> datagrams, then report
 * Prints one JSON line: { mode, packets, cpuUs, wallMs }.
 */
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

const [mode, countArg, portArg] = process.argv.slice(2);
const count = Number(countArg);
const port = Number(portArg);
const PAYLOAD = Buffer.alloc(172, 0x55); // an RTP header + 160 bytes of G.711
const BATCH = 50; // packets per event-loop turn (one tick of 50 legs), so the socket buffer keeps up

function report(packets: number, cpu: NodeJS.CpuUsage, t0: number): void {
  const c = process.cpuUsage(cpu);
  process.stdout.write(
    JSON.stringify({ mode, packets, cpuUs: c.user + c.system, userUs: c.user, systemUs: c.system, wallMs: performance.now() - t0 }) + '\n',
  );
}

if (mode === 'recv') {
  const sock = createSocket('udp4');
  let n = 0;
  let cpu: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  sock.on('message', () => {
    if (n === 0) {
      cpu = process.cpuUsage();
      t0 = performance.now();
    }
    if (++n === count) {
      report(n, cpu!, t0);
      sock.close();
    }
  });
  sock.bind(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  // The sender may lose a few to a full buffer: give up after a quiet second and report what came.
  let last = -1;
  const idle = setInterval(() => {
    if (n > 0 && n === last) {
      clearInterval(idle);
      report(n, cpu!, t0);
      sock.close();
    }
    last = n;
  }, 1000);
} else {
  const sock = createSocket('udp4');
  sock.bind(0, '127.0.0.1', () => {
    const go = () => {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      let sent = 0;
      const burst = () => {
        for (let i = 0; i < BATCH && sent < count; i++, sent++) {
          if (mode === 'send-connected') sock.send(PAYLOAD);
          else sock.send(PAYLOAD, port, '127.0.0.1');
        }
        if (sent < count) setImmediate(burst);
        else {
          report(sent, cpu, t0);
          setTimeout(() => sock.close(), 100);
        }
      };
      burst();
    };
    if (mode === 'send-connected') sock.connect(port, '127.0.0.1', go);
    else go();
  });
}
