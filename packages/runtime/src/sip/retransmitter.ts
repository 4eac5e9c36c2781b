import { detachedString } from '../util/index.js';
import type { ResolvedTimers } from './timers.js';
import type { Destination, MessageKey } from './wire.js';

/**
 * The RFC 3261 §17 retransmission timers sip.js leaves as TODO, kept beside the transport where every message
 * passes: Timer A (INVITE request), Timer E (non-INVITE request) and Timer G (non-2xx final response to an INVITE),
 * on unreliable transports only. The core's own timers (B, F, H, …) still end its transactions; retransmission
 * here stops on the matching response / ACK, or after 64*T1 whatever happens.
 *
 * 2xx responses to INVITE are retransmitted by sip.js's dialog (T1 doubling to T2, until ACK): not here.
 *
 * It also recognises repeats (a request seen again, a response re-sent by a transaction), for the stats.
 */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Pending {
  kind: 'A' | 'E' | 'G';
  text: string;
  dest: Destination;
  interval: number;
  elapsed: number;
  proceeding: boolean;
  handle: unknown;
}

export class Retransmitter {
  readonly #pending = new Map<string, Pending>();
  /**
   * Two generations of "seen" keys, rotated every 64*T1 (the longest a transaction retransmits): forgets old keys
   * without per-entry timers. They feed the stats and keep Timer G from restarting.
   */
  #seenNow = new Set<string>();
  #seenBefore = new Set<string>();
  #sweep: unknown;
  #stopped = false;

  constructor(
    private readonly timers: ResolvedTimers,
    private readonly resend: (text: string, dest: Destination) => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.#scheduleSweep();
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * A message handed to the transport by the core (not by us). Returns true when it repeats one already sent
   * (a response re-sent by its transaction, a 2xx re-sent by the dialog).
   */
  onSent(text: string, key: MessageKey, dest: Destination): boolean {
    if (!key.branch) return false;
    const tx = transactionOf(key);
    let repeat = false;
    if (!key.isRequest) {
      const id = `out|${tx}|${key.method}|${key.status}`;
      repeat = this.#seen(id);
    }
    if (dest.transport !== 'udp' || this.#stopped) return repeat;
    const { t1 } = this.timers;
    if (key.isRequest && key.method !== 'ACK') {
      const id = `req|${tx}|${key.method}`;
      if (!this.#pending.has(id)) this.#start(id, key.method === 'INVITE' ? 'A' : 'E', text, dest, t1);
    } else if (!key.isRequest && key.method === 'INVITE' && key.status >= 300) {
      const id = `rsp|${tx}`;
      if (!this.#pending.has(id) && !repeat) this.#start(id, 'G', text, dest, t1);
    }
    return repeat;
  }

  /**
   * A message received from the network (from `source`, an IP address). Returns true when it repeats a request
   * already received. An ACK stops Timer G only when it comes from where the response goes: a stranger who copies
   * the Via cannot silence someone else's final response.
   */
  onReceived(key: MessageKey, source?: string): boolean {
    if (!key.branch) return false;
    const tx = transactionOf(key);
    if (key.isRequest) {
      if (key.method === 'ACK') {
        const g = this.#pending.get(`rsp|${tx}`);
        if (g && (source === undefined || g.dest.host === source)) this.#cancel(`rsp|${tx}`);
      }
      return this.#seen(`in|${tx}|${key.method}`);
    }
    const id = `req|${tx}|${key.method}`;
    const p = this.#pending.get(id);
    if (!p) return false;
    if (key.status >= 200 || p.kind === 'A') this.#cancel(id);
    else if (!p.proceeding) {
      // Timer E in "Proceeding": keep going, at T2.
      p.proceeding = true;
    }
    return false;
  }

  stop(): void {
    this.#stopped = true;
    for (const id of [...this.#pending.keys()]) this.#cancel(id);
    if (this.#sweep !== undefined) this.clock.clearTimeout(this.#sweep);
    this.#sweep = undefined;
  }

  #seen(id: string): boolean {
    if (this.#seenNow.has(id) || this.#seenBefore.has(id)) return true;
    // Kept for up to 2*64*T1: a copy, so that the key does not keep the message its parts were cut from alive.
    this.#seenNow.add(detachedString(id));
    return false;
  }

  #scheduleSweep(): void {
    this.#sweep = this.clock.setTimeout(() => {
      this.#seenBefore = this.#seenNow;
      this.#seenNow = new Set();
      if (!this.#stopped) this.#scheduleSweep();
    }, 64 * this.timers.t1);
  }

  #start(id: string, kind: Pending['kind'], text: string, dest: Destination, interval: number): void {
    const p: Pending = { kind, text, dest, interval, elapsed: 0, proceeding: false, handle: undefined };
    this.#pending.set(id, p);
    this.#arm(id, p);
  }

  #arm(id: string, p: Pending): void {
    const { t1, t2 } = this.timers;
    p.handle = this.clock.setTimeout(() => {
      p.elapsed += p.interval;
      // Timers B / F / H bound every retransmission at 64*T1.
      if (this.#pending.get(id) !== p) return;
      if (p.elapsed >= 64 * t1) {
        this.#pending.delete(id);
        return;
      }
      this.resend(p.text, p.dest);
      if (p.kind === 'A') p.interval *= 2;
      else if (p.kind === 'E' && p.proceeding) p.interval = t2;
      else p.interval = Math.min(p.interval * 2, t2);
      this.#arm(id, p);
    }, p.interval);
  }

  #cancel(id: string): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.clock.clearTimeout(p.handle);
    this.#pending.delete(id);
  }
}

/** Branch + sent-by: a branch copied by another client is another transaction (RFC 3261 §17.2.3). */
function transactionOf(key: MessageKey): string {
  return `${key.branch}|${key.sentBy}`;
}
