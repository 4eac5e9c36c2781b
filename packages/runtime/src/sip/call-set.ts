/** The calls a stack has not seen end yet, so stop() can release them. */
export interface Releasable {
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

  get size(): number {
    return this.#calls.size;
  }
}
