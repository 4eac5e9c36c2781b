/**
 * Every wait in test support ends: a promise raced against a wall-clock deadline that fails with a message saying
 * what was awaited (and what was seen instead), so a regression is a clear failure in seconds, not a hang until the
 * runner's 180 s timeout. The timer is the real one even in tests that mock timers (node:test's mock.timers replaces
 * the global after this module captured it).
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** `promise`, or a DeadlineError after `ms` with `what()` as its message. The timer never keeps the process alive. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = realSetTimeout(() => {
      reject(new DeadlineError(`timed out after ${ms} ms: ${typeof what === 'function' ? what() : what}`));
    }, ms);
    timer.unref?.();
    promise.then(
      (v) => {
        realClearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        realClearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Poll `cond` every 10 ms, for a count or a state that has no event to await; rejects after `timeoutMs` with `what`
 * in the message.
 */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new DeadlineError(`timed out waiting for ${what}`);
    await new Promise((r) => realSetTimeout(r, 10));
  }
}
