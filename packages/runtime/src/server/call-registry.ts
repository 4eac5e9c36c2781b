/**
 * The in-process call registry (the tutorial's monitoring module): one record per leg, updated from the flow's
 * inspection stream, ended records kept for `retainEndedMs`. The admin API reads it through CallRegistryView.
 */
import type { Logger } from 'pino';
import { detachedString } from '../util/detached-string.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { StateGraphStep } from '../flow/state-graph.js';
import type { CallFilter, CallOutcome, CallRecord, CallRegistryEvents, CallRegistryView } from './registry-types.js';

export interface CallRegistryOptions {
  /** How long records of ended calls stay readable, ms. Default 300000 (5 minutes). */
  retainEndedMs?: number;
  /** Most ended records kept (oldest dropped first). Default 10000. */
  maxEnded?: number;
  /** Longest state graph kept per call; later steps are dropped (the current state stays right). Default 2000. */
  maxGraphSteps?: number;
  logger?: Logger;
}

export type NewCallRecord = Omit<CallRecord, 'state' | 'stateGraph' | 'outcome' | 'endedAt' | 'endReason'>;

export class CallRegistry extends TypedEmitter<CallRegistryEvents> implements CallRegistryView {
  readonly #active = new Map<string, CallRecord>();
  readonly #ended = new Map<string, CallRecord>();
  readonly #retainMs: number;
  readonly #maxEnded: number;
  readonly #maxGraph: number;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: CallRegistryOptions = {}) {
    super(options.logger);
    this.#retainMs = options.retainEndedMs ?? 300_000;
    this.#maxEnded = options.maxEnded ?? 10_000;
    this.#maxGraph = options.maxGraphSteps ?? 2000;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  list(filter: CallFilter = {}): CallRecord[] {
    this.#sweep();
    const all = filter.ended ? [...this.#active.values(), ...this.#ended.values()] : [...this.#active.values()];
    return all.filter((r) => (!filter.app || r.app === filter.app) && (!filter.state || r.state === filter.state));
  }

  get(id: string): CallRecord | undefined {
    return this.#active.get(id) ?? this.#ended.get(id);
  }

  /** A leg started. */
  add(init: NewCallRecord): CallRecord {
    // Copies: the addresses are cut from the INVITE's text, and a record outlives its call (--keep-ended).
    const record: CallRecord = {
      ...init,
      from: detachedString(init.from),
      to: detachedString(init.to),
      requestUri: detachedString(init.requestUri),
      state: '',
      stateGraph: [],
      outcome: 'active',
    };
    this.#active.set(record.id, record);
    this.emit('update', record);
    return record;
  }

  /** The leg's flow entered a state; `graph` is its whole state graph so far. */
  state(id: string, state: string, graph: readonly StateGraphStep[]): void {
    const record = this.#active.get(id);
    if (!record) return;
    record.state = state;
    record.stateGraph = graph.length > this.#maxGraph ? graph.slice(0, this.#maxGraph) : [...graph];
    this.emit('update', record);
  }

  /** The leg ended: the record moves to the ended set. */
  end(id: string, outcome: Exclude<CallOutcome, 'active'>, endReason?: string): void {
    const record = this.#active.get(id);
    if (!record) return;
    this.#active.delete(id);
    record.outcome = outcome;
    record.endedAt = Date.now();
    if (endReason !== undefined) record.endReason = endReason;
    if (this.#retainMs > 0) {
      this.#ended.set(id, record);
      while (this.#ended.size > this.#maxEnded) this.#ended.delete(this.#ended.keys().next().value as string);
      this.#sweeper ??= setInterval(() => this.#sweep(), Math.min(this.#retainMs, 10_000)).unref();
    }
    this.emit('update', record);
  }

  /** Stop the sweep timer (server shutdown). */
  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#retainMs;
    for (const [id, r] of this.#ended) {
      if ((r.endedAt ?? 0) >= cutoff) break; // insertion order = end order
      this.#ended.delete(id);
    }
  }
}
