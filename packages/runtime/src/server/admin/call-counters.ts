/**
 * Call totals for /metrics, counted from the registry's 'update' events (the registry itself only keeps ended
 * calls for a while, so totals must be counted as calls go by).
 */
import type { CallOutcome, CallRecord, CallRegistryView } from '../registry-types.js';

/** Ids of ended calls remembered, so a late update of an ended call is not counted as a new call. */
const ENDED_MEMORY = 10_000;
/** Window of the calls-per-second gauge, seconds. */
const RATE_WINDOW_S = 60;

export interface CallTotals {
  /** Calls started since the admin server started, by app. */
  started: Map<string, number>;
  /** Calls ended, by app then outcome. */
  ended: Map<string, Map<CallOutcome, number>>;
}

export class CallCounters {
  readonly #registry: CallRegistryView;
  readonly #active = new Set<string>();
  readonly #endedIds = new Set<string>();
  readonly #started = new Map<string, number>();
  readonly #ended = new Map<string, Map<CallOutcome, number>>();
  /** Start times (ms) of recent calls, for the rate gauge. */
  #recentStarts: number[] = [];
  readonly #now: () => number;
  readonly #onUpdate = (record: CallRecord): void => this.#count(record);

  constructor(registry: CallRegistryView, now: () => number = Date.now) {
    this.#registry = registry;
    this.#now = now;
    for (const record of registry.list({ ended: true })) this.#count(record);
    registry.on('update', this.#onUpdate);
  }

  #count(record: CallRecord): void {
    if (this.#endedIds.has(record.id)) return;
    if (!this.#active.has(record.id)) {
      this.#active.add(record.id);
      this.#started.set(record.app, (this.#started.get(record.app) ?? 0) + 1);
      this.#recentStarts.push(record.startedAt);
    }
    if (record.endedAt !== undefined) {
      this.#active.delete(record.id);
      this.#endedIds.add(record.id);
      if (this.#endedIds.size > ENDED_MEMORY) {
        const oldest = this.#endedIds.values().next().value;
        if (oldest !== undefined) this.#endedIds.delete(oldest);
      }
      const byOutcome = this.#ended.get(record.app) ?? new Map<CallOutcome, number>();
      byOutcome.set(record.outcome, (byOutcome.get(record.outcome) ?? 0) + 1);
      this.#ended.set(record.app, byOutcome);
    }
  }

  totals(): CallTotals {
    return { started: new Map(this.#started), ended: new Map([...this.#ended].map(([app, m]) => [app, new Map(m)])) };
  }

  /** Calls started per second, averaged over the last 60 s. */
  callsPerSecond(): number {
    const since = this.#now() - RATE_WINDOW_S * 1000;
    this.#recentStarts = this.#recentStarts.filter((t) => t >= since);
    return this.#recentStarts.length / RATE_WINDOW_S;
  }

  close(): void {
    this.#registry.off('update', this.#onUpdate);
  }
}
