import type { Socket } from 'node:net';

/** How many SIP TCP connections we keep, and for how long. See docs/sip.md ("TCP limits"). */
export interface TcpLimits {
  /** Connections at once, ours and the peers'. At the cap, a new peer closes the longest-idle one without a call. */
  maxConnections: number;
  /** Connections at once from one source IP; more are closed at once. */
  maxPerSource: number;
  /** A connection that carries no call and moved no byte for this long is closed, ms. */
  idleTimeoutMs: number;
  /** A message must be complete this long after its first byte arrived, or the connection is closed, ms. */
  readTimeoutMs: number;
  /** Largest message (headers + body) on a stream, bytes; a larger one closes the connection. */
  maxMessageBytes: number;
}

export const DEFAULT_TCP_LIMITS: Readonly<TcpLimits> = {
  maxConnections: 1024,
  maxPerSource: 64,
  idleTimeoutMs: 120_000,
  readTimeoutMs: 10_000,
  maxMessageBytes: 65_535,
};

interface Connection {
  readonly sock: Socket;
  readonly source: string;
  lastActivity: number;
  /** When the first byte of a message not yet complete arrived. */
  partialSince: number | undefined;
}

export type CloseReason = 'per-source cap' | 'connection cap' | 'evicted (oldest idle)' | 'idle timeout' | 'read timeout';

/**
 * The SIP transport's TCP connections under their limits: admission (per-source and global caps, evicting the
 * longest-idle connection without a call when full), and a sweep closing idle connections and those stuck on an
 * incomplete message. `busy(id)` says whether a connection carries a call (kept however quiet it is).
 */
export class TcpConnectionTable {
  readonly limits: TcpLimits;
  readonly #connections = new Map<string, Connection>();
  readonly #perSource = new Map<string, number>();
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(
    limits: Partial<TcpLimits> | undefined,
    private readonly busy: () => ReadonlySet<string>,
    private readonly onClose: (id: string, source: string, reason: CloseReason) => void,
  ) {
    this.limits = { ...DEFAULT_TCP_LIMITS, ...limits };
    const every = Math.max(20, Math.min(1000, Math.min(this.limits.idleTimeoutMs, this.limits.readTimeoutMs) / 4));
    this.#sweep = setInterval(() => this.sweep(Date.now()), every);
    this.#sweep.unref();
  }

  get size(): number {
    return this.#connections.size;
  }

  /**
   * Whether a peer's new connection from `source` may be kept: false over its source's cap; at the global cap the
   * longest-idle connection without a call is closed to make room (false when every connection carries a call).
   */
  admit(source: string): { ok: true } | { ok: false; reason: CloseReason } {
    if ((this.#perSource.get(source) ?? 0) >= this.limits.maxPerSource) return { ok: false, reason: 'per-source cap' };
    if (this.#connections.size < this.limits.maxConnections) return { ok: true };
    const busy = this.busy();
    let oldest: [string, Connection] | undefined;
    for (const entry of this.#connections) {
      if (busy.has(entry[0])) continue;
      if (!oldest || entry[1].lastActivity < oldest[1].lastActivity) oldest = entry;
    }
    if (!oldest) return { ok: false, reason: 'connection cap' };
    this.#close(oldest[0], oldest[1], 'evicted (oldest idle)');
    return { ok: true };
  }

  add(id: string, sock: Socket, source: string): void {
    this.#connections.set(id, { sock, source, lastActivity: Date.now(), partialSince: undefined });
    this.#perSource.set(source, (this.#perSource.get(source) ?? 0) + 1);
  }

  /** Bytes moved; `partial`: a message is still incomplete after them. */
  touch(id: string, partial?: boolean): void {
    const c = this.#connections.get(id);
    if (!c) return;
    c.lastActivity = Date.now();
    if (partial === undefined) return;
    if (!partial) c.partialSince = undefined;
    else c.partialSince ??= c.lastActivity;
  }

  remove(id: string, sock: Socket): void {
    const c = this.#connections.get(id);
    if (!c || c.sock !== sock) return;
    this.#connections.delete(id);
    const left = (this.#perSource.get(c.source) ?? 1) - 1;
    if (left > 0) this.#perSource.set(c.source, left);
    else this.#perSource.delete(c.source);
  }

  sweep(now: number): void {
    let busy: ReadonlySet<string> | undefined;
    for (const [id, c] of this.#connections) {
      if (c.partialSince !== undefined && now - c.partialSince >= this.limits.readTimeoutMs) this.#close(id, c, 'read timeout');
      else if (now - c.lastActivity >= this.limits.idleTimeoutMs && !(busy ??= this.busy()).has(id)) this.#close(id, c, 'idle timeout');
    }
  }

  stop(): void {
    clearInterval(this.#sweep);
  }

  #close(id: string, c: Connection, reason: CloseReason): void {
    this.remove(id, c.sock);
    c.sock.destroy();
    this.onClose(id, c.source, reason);
  }
}
