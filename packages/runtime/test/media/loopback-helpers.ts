/** Shared bits of the loopback tests: a quiet engine, awaiting events with a generous bound. */
import pino from 'pino';
import { MediaEngine, type MediaEngineOptionsExt, type MediaStreamApi, type MediaStreamEvents } from '../../src/media/index.js';
import { freeMediaPorts } from '../../../../test/support/ports.js';

export const logger = pino({ level: process.env.SIPFLOW_LOG ?? 'silent' });

/** An engine on a private port range (a few pairs) so parallel suites do not collide. */
export async function testEngine(options: Partial<MediaEngineOptionsExt> = {}): Promise<MediaEngine> {
  const base = await freeMediaPorts(200);
  return MediaEngine.create({ logger, portRange: [base, base + 199], ...options });
}

/** Resolve on the next `event` of a stream (its args), reject after `timeoutMs`. */
export function nextEvent<K extends keyof MediaStreamEvents>(stream: MediaStreamApi, event: K, timeoutMs = 10_000): Promise<MediaStreamEvents[K]> {
  return new Promise((resolve, reject) => {
    const fn = (...args: MediaStreamEvents[K]) => {
      clearTimeout(timer);
      stream.off(event, fn);
      resolve(args);
    };
    const timer = setTimeout(() => {
      stream.off(event, fn);
      reject(new Error(`timed out waiting for '${event}'`));
    }, timeoutMs);
    stream.on(event, fn);
  });
}

/** Poll a condition every 10 ms (for counters that have no event): test/support/deadline.ts. */
export { until } from '../../../../test/support/deadline.js';
