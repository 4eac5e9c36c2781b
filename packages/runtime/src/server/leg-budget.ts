/**
 * What admitted calls will still need, so that an INVITE is admitted only when its whole call can be carried
 * (the caller's leg and the legs its flow will dial, each with an RTP stream) and refused at once (503) otherwise —
 * rather than admitted and then failed for lack of ports or legs halfway through its flow.
 *
 * A flow's fan-out is learned: the most legs one call of it has dialled so far (quizconnect: one per callee row).
 * Until a flow has dialled once, it is assumed to dial nothing.
 */
export class LegBudget {
  /** Flow key → the most legs one call of it has dialled. */
  readonly #fanout = new Map<string, number>();
  /** Admitted calls (their inbound leg's id) → their flow and the legs they dialled so far. */
  readonly #calls = new Map<string, { key: string; dialled: number }>();

  /** Legs (and RTP streams) a new call of flow `key` needs: its own and the fan-out its flow has shown. */
  need(key: string): number {
    return 1 + (this.#fanout.get(key) ?? 0);
  }

  /** Legs the admitted calls have yet to dial, by their flows' fan-out. */
  get reserved(): number {
    let reserved = 0;
    for (const call of this.#calls.values()) reserved += Math.max(0, (this.#fanout.get(call.key) ?? 0) - call.dialled);
    return reserved;
  }

  admitted(callId: string, key: string): void {
    this.#calls.set(callId, { key, dialled: 0 });
  }

  /** A call dialled a leg (callId: the inbound leg at the top of its owners). */
  dialled(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    call.dialled++;
    if (call.dialled > (this.#fanout.get(call.key) ?? 0)) this.#fanout.set(call.key, call.dialled);
  }

  ended(callId: string): void {
    this.#calls.delete(callId);
  }
}
