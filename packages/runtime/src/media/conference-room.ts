/**
 * A conference room: each tick, every member contributes one 20 ms frame of what it received, and hears the sum
 * of the others (N-1 mix: total minus its own frame), saturated to int16. A member never hears itself; a room of
 * one hears silence. Works in place on preallocated typed arrays.
 *
 * Two members on the same codec (a bridged call, the common case) relay instead: each sends the other's received
 * G.711 bytes under its own RTP header (its SSRC, sequence and timestamp), with no decode, mix or encode, as soon as
 * they arrive (the socket handler hands the frame over; the clock only fills a gap with silence). The room decides
 * every tick, so a third member joining (or a re-INVITE changing a codec) turns mixing back on at once, and the
 * member leaving turns relaying back on. (A stream in a room sends the room's audio, never its own prompts, so
 * nothing else can play into a room; outgoing DTMF replaces a member's frame in either mode.)
 */
import { SAMPLES_PER_FRAME } from './prompt-cache.js';
import type { G711Codec } from './g711.js';

/** What the room needs from a stream. */
export interface RoomMember {
  readonly id: string;
  /** This tick's received audio (filled by `pullRoomAudio`). */
  readonly roomIn: Int16Array;
  /** This tick's mix for the member to send. */
  readonly roomOut: Int16Array;
  /** Fill `roomIn` with the next received frame, or silence. */
  pullRoomAudio(): void;
  /** The codec the member sends (relaying needs both members on one codec); undefined before SDP. */
  readonly codec: string | undefined;
  /** Relaying, frames that are not 20 ms long: copy the member's next received frame (G.711 bytes on its codec); false while it has none. */
  pullRelayFrame(dst: Uint8Array, offset: number): boolean;
  /** Relaying on receive: send the other member's 20 ms frame (`codec` bytes at `src[off]`) now, under our own header. */
  relayFrame(src: Buffer, off: number, codec: G711Codec, srcTs: number, srcMarker: boolean): void;
  /** The room relays between this member and `peer`, or mixes again (`undefined`). */
  setRelayPeer(peer: RoomMember | undefined): void;
  /** After the mix: hand `roomOut` on (a member on another worker, see room-link.ts). */
  pushRoomAudio?(): void;
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
  readonly #relayAllowed: boolean;
  #relaying = false;

  /** `relay`: let two members on one codec relay instead of mixing. Default true. */
  constructor(name: string, options: { relay?: boolean } = {}) {
    this.name = name;
    this.#relayAllowed = options.relay ?? true;
  }

  /** Whether the room relays (two members on one codec) rather than mixes, as of the last tick. */
  get relaying(): boolean {
    return this.#relaying;
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
    this.#stopRelay();
    this.#members.push(member);
    this.#inputs.push(member.roomIn);
    this.#outputs.push(member.roomOut);
  }

  remove(member: RoomMember): void {
    const i = this.#members.indexOf(member);
    if (i < 0) return;
    this.#stopRelay();
    this.#members.splice(i, 1);
    this.#inputs.splice(i, 1);
    this.#outputs.splice(i, 1);
  }

  #stopRelay(): void {
    if (!this.#relaying) return;
    this.#relaying = false;
    for (const m of this.#members) m.setRelayPeer(undefined);
  }

  /** One tick: relay (two members on one codec), or pull every member's received frame and write its N-1 mix. */
  mix(): void {
    const count = this.#members.length;
    const a = this.#members[0];
    const b = this.#members[1];
    const relay = this.#relayAllowed && count === 2 && a!.codec !== undefined && a!.codec === b!.codec;
    if (relay !== this.#relaying) {
      if (relay) {
        this.#relaying = true;
        a!.setRelayPeer(b);
        b!.setRelayPeer(a);
      } else this.#stopRelay();
    }
    if (relay) return;
    for (let m = 0; m < count; m++) this.#members[m]!.pullRoomAudio();
    mixNMinusOne(this.#inputs, this.#outputs, count, this.#total);
    for (let m = 0; m < count; m++) this.#members[m]!.pushRoomAudio?.();
  }
}
