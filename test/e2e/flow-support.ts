/** Helpers for the flow e2e tests. */
import pino from 'pino';
import { startServer, type RunningServer, type ServerOptions } from '../../packages/runtime/src/server/index.js';
import { freePort } from '../support/ports.js';

/**
 * A server for an e2e test: SIP on a free loopback port, no admin API, logs silent unless SIPFLOW_TEST_LOG names a
 * level; any option given replaces the default.
 */
export async function startTestServer(options: Pick<ServerOptions, 'apps'> & Partial<ServerOptions>): Promise<RunningServer> {
  return startServer({
    sip: { host: '127.0.0.1', port: await freePort() },
    admin: null,
    logger: pino({ level: process.env.SIPFLOW_TEST_LOG ?? 'silent' }),
    ...options,
  });
}

/** Resolves when the registry has no active call (awaits registry updates; fails after timeoutMs). */
export function waitForIdle(server: RunningServer, timeoutMs = 20_000): Promise<void> {
  if (server.registry.activeCount === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.registry.off('update', onUpdate);
      const active = server.registry.list().map((r) => `${r.id} ${r.flow} ${r.state}`);
      reject(new Error(`calls still active after ${timeoutMs} ms: ${active.join(', ')}`));
    }, timeoutMs);
    const onUpdate = () => {
      if (server.registry.activeCount > 0) return;
      clearTimeout(timer);
      server.registry.off('update', onUpdate);
      resolve();
    };
    server.registry.on('update', onUpdate);
  });
}

/** Resolves with the first record (active or ended) matching `pred`, awaiting registry updates. */
export function waitForRecord(
  server: RunningServer,
  pred: (r: import('../../packages/runtime/src/server/index.js').CallRecord) => boolean,
  timeoutMs = 20_000,
): Promise<import('../../packages/runtime/src/server/index.js').CallRecord> {
  const found = server.registry.list({ ended: true }).find(pred);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.registry.off('update', onUpdate);
      const seen = server.registry.list({ ended: true }).map((r) => `${r.flow}:${r.state}:${r.outcome}`);
      reject(new Error(`no matching call record after ${timeoutMs} ms (have: ${seen.join(', ')})`));
    }, timeoutMs);
    const onUpdate = (r: import('../../packages/runtime/src/server/index.js').CallRecord) => {
      if (!pred(r)) return;
      clearTimeout(timer);
      server.registry.off('update', onUpdate);
      resolve(r);
    };
    server.registry.on('update', onUpdate);
  });
}

/** The transition names of a record's state graph, in order. */
export function transitionsOf(r: import('../../packages/runtime/src/server/index.js').CallRecord): string[] {
  return r.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
}
