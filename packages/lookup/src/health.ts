import { isLookupError } from './errors.js';
import type { CalleeLookup, LookupHealth } from './lookup-types.js';

/** Runs a backend's probe and turns its outcome into a LookupHealth; never rejects. */
export async function probeHealth(lookup: CalleeLookup, probe: () => Promise<void>): Promise<LookupHealth> {
  const t0 = performance.now();
  const base = { backend: lookup.backend, target: lookup.target };
  try {
    await probe();
    return { ok: true, ...base, latencyMs: performance.now() - t0 };
  } catch (err) {
    const error = isLookupError(err)
      ? { code: err.code, message: err.message }
      : { code: 'LOOKUP_QUERY' as const, message: err instanceof Error ? err.message : String(err) };
    return { ok: false, ...base, latencyMs: performance.now() - t0, error };
  }
}
