import type { WatchedCall } from './call-watchdog.js';

/** The calls a stack has not seen end yet, so stop() can release them and the watchdog can look at them. */
export interface Releasable extends WatchedCall {
  shutdown(): void;
}

export class CallSet {
  readonly #calls = new Map<string, Releasable>();

  add(id: string, call: Releasable): void {
    this.#calls.set(id, call);
  }

  delete(id: string): void {
    this.#calls.delete(id);
  }

  all(): Releasable[] {
    return [...this.#calls.values()];
  }

  values(): IterableIterator<Releasable> {
    return this.#calls.values();
  }

  get size(): number {
    return this.#calls.size;
  }
}
