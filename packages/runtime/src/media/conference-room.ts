/**
 * A conference room: each tick, every member contributes one 20 ms frame of what it received, and hears the sum
 * of the others (N-1 mix: total minus its own frame), saturated to int16. A member never hears itself; a room of
 * one hears silence. Works in place on preallocated typed arrays.
 */
import { SAMPLES_PER_FRAME } from './prompt-cache.js';

/** What the room needs from a stream. */
export interface RoomMember {
  readonly id: string;
  /** This tick's received audio (filled by `pullRoomAudio`). */
  readonly roomIn: Int16Array;
  /** This tick's mix for the member to send. */
  readonly roomOut: Int16Array;
  /** Fill `roomIn` with the next received frame, or silence. */
  pullRoomAudio(): void;
}

/**
 * N-1 mix of `count` inputs into `outputs`, `n` samples each: out[m] = clamp(Σ inputs − inputs[m]).
 * `total` is scratch of at least `n` entries.
 */
export function mixNMinusOne(
  inputs: readonly Int16Array[],
  outputs: readonly Int16Array[],
  count: number,
  total: Int32Array,
  n = SAMPLES_PER_FRAME,
): void {
  total.fill(0, 0, n);
  for (let m = 0; m < count; m++) {
    const x = inputs[m]!;
    for (let i = 0; i < n; i++) total[i]! += x[i]!;
  }
  for (let m = 0; m < count; m++) {
    const x = inputs[m]!;
    const out = outputs[m]!;
    for (let i = 0; i < n; i++) {
      const v = total[i]! - x[i]!;
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }
}

export class ConferenceRoom {
  readonly name: string;
  readonly #members: RoomMember[] = [];
  readonly #inputs: Int16Array[] = [];
  readonly #outputs: Int16Array[] = [];
  readonly #total = new Int32Array(SAMPLES_PER_FRAME);

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return this.#members.length;
  }

  get memberIds(): string[] {
    return this.#members.map((m) => m.id);
  }

  has(member: RoomMember): boolean {
    return this.#members.includes(member);
  }

  add(member: RoomMember): void {
    if (this.has(member)) return;
    this.#members.push(member);
    this.#inputs.push(member.roomIn);
    this.#outputs.push(member.roomOut);
  }

  remove(member: RoomMember): void {
    const i = this.#members.indexOf(member);
    if (i < 0) return;
    this.#members.splice(i, 1);
    this.#inputs.splice(i, 1);
    this.#outputs.splice(i, 1);
  }

  /** One tick: pull every member's received frame, then write every member's N-1 mix. */
  mix(): void {
    const count = this.#members.length;
    for (let m = 0; m < count; m++) this.#members[m]!.pullRoomAudio();
    mixNMinusOne(this.#inputs, this.#outputs, count, this.#total);
  }
}
