/**
 * What admitted calls will still need, so that an INVITE is admitted only when its whole call can be carried
 * (the caller's leg and the legs its flow will dial, each with an RTP stream) and refused at once (503) otherwise —
 * rather than admitted and then failed for lack of ports or legs halfway through its flow.
 *
 * A flow's fan-out is learned: the most legs one call of it has dialled so far (quizconnect: one per callee row).
 * Until a flow has shown it — one of its calls has dialled, or has answered without dialling — each of its calls is
 * assumed to dial `assumedFanOut` legs, so that a burst of INVITEs at start-up, all admitted before any call of the
 * flow has dialled, cannot overrun the ports or the call limit (they used to count one leg each). The first call of
 * a flow not learned yet assumes no more than what is free besides its own leg: a server whose limits are smaller
 * than the assumption still takes its calls, one at a time, until the flow has shown what it needs. Why not a
 * declared bound: docs/security.md.
 *
 * Ports are counted per share of the RTP range (`MediaEngineApi.portShares`): each media worker binds only its own
 * part, and a call's legs all run on its caller's worker. So a call is placed on a share where all of its streams
 * fit — counting the streams running there, those being created, and those its admitted calls have yet to dial —
 * and every stream of the call is created on that share.
 */
import type { PortShare } from '../media/media-types.js';

interface AdmittedCall {
  key: string;
  /** Legs dialled so far. */
  dialled: number;
  /** Legs it was assumed to dial when admitted (its flow's fan-out, or the assumption while that was unknown). */
  fanOut: number;
  /** The port share its streams go to; undefined when ports are not counted. */
  share: number | undefined;
}

export class LegBudget {
  /** Flow key → the most legs one call of it has dialled. */
  readonly #fanout = new Map<string, number>();
  /** Admitted calls (their inbound leg's id) → their flow, the legs they dialled so far and their share. */
  readonly #calls = new Map<string, AdmittedCall>();
  /** Share → streams being created on it (asked of the media engine, not answered yet). */
  readonly #creating = new Map<number, number>();

  /** `assumedFanOut`: legs a call of a flow is assumed to dial until the flow has shown its fan-out. */
  constructor(readonly assumedFanOut = 2) {}

  /**
   * Legs a new call of flow `key` will dial: the fan-out its flow has shown; until it has shown one,
   * `assumedFanOut`, or for the first call of it no more than `room - 1` (room: the legs or pairs free now, its own
   * leg included).
   */
  fanOut(key: string, room = Infinity): number {
    const learned = this.#fanout.get(key);
    if (learned !== undefined) return learned;
    for (const call of this.#calls.values()) if (call.key === key) return this.assumedFanOut;
    return Math.max(0, Math.min(this.assumedFanOut, room - 1));
  }

  /** Legs (and RTP streams) a new call of flow `key` needs: its own and the legs it will dial (`fanOut`). */
  need(key: string, room = Infinity): number {
    return 1 + this.fanOut(key, room);
  }

  /** Whether flow `key` has shown its fan-out (a call of it dialled, or answered without dialling). */
  learned(key: string): boolean {
    return this.#fanout.has(key);
  }

  /**
   * Admitted calls of flows not learned yet that have answered without dialling (`isAnswered(callId)`): their flow
   * answers calls without dialling first, so its fan-out is taken as 0 until one of its calls dials (an IVR).
   */
  learnFromAnswers(isAnswered: (callId: string) => boolean): void {
    for (const [id, call] of this.#calls) {
      if (call.dialled === 0 && !this.#fanout.has(call.key) && isAnswered(id)) this.#fanout.set(call.key, 0);
    }
  }

  /** Legs the admitted calls have yet to dial, by their flows' fan-out. */
  get reserved(): number {
    let reserved = 0;
    for (const call of this.#calls.values()) reserved += this.#toDial(call);
    return reserved;
  }

  /**
   * The share where `need` more streams fit, the one with the most room; undefined when none has room. Streams
   * being created and the legs admitted calls have yet to dial count as taken.
   */
  place(shares: readonly PortShare[], need: number): { share: number | undefined; free: number } {
    const taken = shares.map((_, i) => this.#creating.get(i) ?? 0);
    for (const call of this.#calls.values()) if (call.share !== undefined && call.share < taken.length) taken[call.share]! += this.#toDial(call);
    let best: number | undefined;
    let bestFree = -Infinity;
    shares.forEach((s, i) => {
      const free = s.pairs - s.streams - taken[i]!;
      if (free > bestFree) {
        best = i;
        bestFree = free;
      }
    });
    return { share: bestFree >= need ? best : undefined, free: Math.max(0, bestFree) };
  }

  /** A call of flow `key` was admitted, assumed to dial `fanOut` legs (default: what `fanOut(key)` says now). */
  admitted(callId: string, key: string, share?: number, fanOut = this.fanOut(key)): void {
    this.#calls.set(callId, { key, dialled: 0, fanOut, share });
  }

  /** A call dialled a leg (callId: the inbound leg at the top of its owners). Returns the share of its streams. */
  dialled(callId: string): number | undefined {
    const call = this.#calls.get(callId);
    if (!call) return undefined;
    call.dialled++;
    if (call.dialled > (this.#fanout.get(call.key) ?? 0)) this.#fanout.set(call.key, call.dialled);
    return call.share;
  }

  /** The share of an admitted call's streams. */
  shareOf(callId: string): number | undefined {
    return this.#calls.get(callId)?.share;
  }

  /** A stream is being created on `share` (until `created`: the engine does not count it yet). */
  creating(share: number | undefined): void {
    if (share !== undefined) this.#creating.set(share, (this.#creating.get(share) ?? 0) + 1);
  }

  /** The stream asked for by `creating` exists now, or failed. */
  created(share: number | undefined): void {
    if (share === undefined) return;
    const n = (this.#creating.get(share) ?? 0) - 1;
    if (n > 0) this.#creating.set(share, n);
    else this.#creating.delete(share);
  }

  ended(callId: string): void {
    this.#calls.delete(callId);
  }

  #toDial(call: AdmittedCall): number {
    return Math.max(0, (this.#fanout.get(call.key) ?? call.fanOut) - call.dialled);
  }
}
