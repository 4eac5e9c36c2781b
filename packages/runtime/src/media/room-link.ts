/**
 * A room whose members live on different media workers. Sockets cannot move between threads (a stream is bound to
 * its worker for life, and a new port would need a re-INVITE), so the frames move instead: the room lives on one
 * worker (its home: the worker of its first member), and a member on another worker is linked to it by two
 * FrameRings in shared memory, one per direction.
 *
 * - On the member's worker, the stream sits in a `LinkedRoom`: each tick it writes what it received into the ring
 *   to the home, and sends what the ring from the home holds (its N-1 mix) — the same stream code as in a local
 *   room.
 * - On the home worker, a `LinkedMember` stands in for it in the ConferenceRoom: its input is read from the ring,
 *   its mix written back.
 * Cost: a copy of 320 bytes per direction per tick, and up to two frames of priming per ring (the two clocks tick
 * independently). A linked room always mixes (relaying needs both members' packets on one thread).
 */
import { SAMPLES_PER_FRAME } from './prompt-cache.js';
import type { RoomMember } from './conference-room.js';
import { FrameRing } from './frame-ring.js';

/** The home worker's stand-in for a member that lives on another worker. */
export class LinkedMember implements RoomMember {
  readonly id: string;
  readonly roomIn = new Int16Array(SAMPLES_PER_FRAME);
  readonly roomOut = new Int16Array(SAMPLES_PER_FRAME);
  readonly codec = undefined;
  readonly #toHome: FrameRing;
  readonly #fromHome: FrameRing;

  constructor(id: string, toHome: SharedArrayBuffer, fromHome: SharedArrayBuffer) {
    this.id = id;
    this.#toHome = new FrameRing(toHome);
    this.#fromHome = new FrameRing(fromHome);
  }

  pullRoomAudio(): void {
    if (!this.#toHome.pull(this.roomIn)) this.roomIn.fill(0);
  }

  pushRoomAudio(): void {
    this.#fromHome.push(this.roomOut);
  }

  pullRelayFrame(): boolean {
    return false;
  }

  relayFrame(): void {}

  setRelayPeer(): void {}
}

/** The member's side: a room of one stream whose audio goes to, and comes from, the room's home worker. */
export class LinkedRoom {
  readonly name: string;
  readonly relaying = false;
  #member: RoomMember | undefined;
  readonly #toHome: FrameRing;
  readonly #fromHome: FrameRing;

  constructor(name: string, toHome: SharedArrayBuffer, fromHome: SharedArrayBuffer) {
    this.name = name;
    this.#toHome = new FrameRing(toHome);
    this.#fromHome = new FrameRing(fromHome);
  }

  get size(): number {
    return this.#member ? 1 : 0;
  }

  get memberIds(): string[] {
    return this.#member ? [this.#member.id] : [];
  }

  add(member: RoomMember): void {
    this.#member = member;
  }

  remove(member: RoomMember): void {
    if (this.#member === member) this.#member = undefined;
  }

  mix(): void {
    const m = this.#member;
    if (!m) return;
    m.pullRoomAudio();
    this.#toHome.push(m.roomIn);
    if (!this.#fromHome.pull(m.roomOut)) m.roomOut.fill(0);
  }
}
