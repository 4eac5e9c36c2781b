/** Helpers for the flow e2e tests. */
import type { RunningServer } from '../../packages/runtime/src/server/index.js';

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
