import type { Logger } from 'pino';
import { TransactionState, type UserAgentCore } from 'sip.js/lib/core/index.js';
import type { SipInviteClient } from './invite-client.js';
import type { SipStats } from './sip-types.js';

/** Why the watchdog ended something (the `cause` label of `sipflow_sip_watchdog_total`). */
export type WatchdogCause = 'no-final-after-cancel' | 'silent-dialog';

/** A call the watchdog may end: not confirmed yet (a confirmed dialog has no timer: RTP timeout is its guard). */
export interface WatchedCall {
  readonly callId: string;
  readonly state: string;
  /** End it without signalling: nothing is left that could reach the peer. */
  expire(cause: WatchdogCause): void;
}

const LIVE = new Set<TransactionState>([
  TransactionState.Calling,
  TransactionState.Trying,
  TransactionState.Proceeding,
  TransactionState.Accepted,
  TransactionState.Completed,
  TransactionState.Confirmed,
]);

/**
 * No call outlives its transactions (RFC 3261 §17: none lives past 64·T1 without a message). Every 8·T1 it looks at:
 *   - INVITEs we CANCELled: RFC 3261 §9.1 — with no final response 64·T1 after the CANCEL (the far end's 487 was
 *     lost and it sends it once, as sipp does), the INVITE transaction is given up. sip.js's INVITE client
 *     transaction has no timer in Proceeding, so it would otherwise live for ever (and `drain()` wait for it);
 *   - calls not yet confirmed whose Call-ID has no live transaction: silent for 64·T1 after their last message, they
 *     are ended (`ended('watchdog')`): nothing can end them any more.
 * Each end is one warn line naming the cause and counts in `SipStats.watchdogEnded` (`sipflow_sip_watchdog_total`).
 */
export class CallWatchdog {
  readonly #cancelled = new Map<SipInviteClient, { callId: string; at: number }>();
  /** Call-ID → when the watchdog first saw it without a live transaction (cleared by a message of the call). */
  readonly #quietSince = new Map<string, number>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #lifetimeMs: number;

  constructor(
    t1: number,
    private readonly core: () => UserAgentCore,
    private readonly calls: () => Iterable<WatchedCall>,
    private readonly stats: SipStats,
    private readonly log: Logger,
  ) {
    this.#lifetimeMs = 64 * t1;
    this.#timer = setInterval(() => this.sweep(Date.now()), 8 * t1);
    this.#timer.unref();
  }

  /** We sent a CANCEL for this INVITE. */
  cancelSent(uac: SipInviteClient, callId: string): void {
    this.#cancelled.set(uac, { callId, at: Date.now() });
  }

  /** A message of this call arrived: it is not silent. */
  heard(callId: string | undefined): void {
    if (callId !== undefined && this.#quietSince.size > 0) this.#quietSince.delete(callId);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#cancelled.clear();
    this.#quietSince.clear();
  }

  sweep(now: number): void {
    for (const [uac, { callId, at }] of this.#cancelled) {
      const state = uac.transaction.state;
      if (state !== TransactionState.Calling && state !== TransactionState.Proceeding) {
        this.#cancelled.delete(uac);
        continue;
      }
      if (now - at < this.#lifetimeMs) continue;
      this.#cancelled.delete(uac);
      this.#count('no-final-after-cancel', callId);
      try {
        uac.giveUp();
      } catch (err) {
        this.log.debug({ err }, 'sip watchdog: INVITE transaction not ended');
      }
    }
    const live = this.#liveCallIds();
    const watched = new Set<string>();
    for (const call of this.calls()) {
      if (call.state === 'confirmed' || call.state === 'ended' || live.has(call.callId)) {
        this.#quietSince.delete(call.callId);
        continue;
      }
      watched.add(call.callId);
      const since = this.#quietSince.get(call.callId);
      if (since === undefined) this.#quietSince.set(call.callId, now);
      else if (now - since >= this.#lifetimeMs) {
        this.#quietSince.delete(call.callId);
        this.#count('silent-dialog', call.callId, call.state);
        call.expire('silent-dialog');
      }
    }
    for (const callId of this.#quietSince.keys()) if (!watched.has(callId)) this.#quietSince.delete(callId);
  }

  #liveCallIds(): Set<string> {
    const core = this.core();
    const ids = new Set<string>();
    for (const uas of core.userAgentServers.values()) if (LIVE.has(uas.transaction.state)) ids.add(uas.transaction.request.callId);
    for (const uac of core.userAgentClients.values()) if (LIVE.has(uac.transaction.state)) ids.add(uac.transaction.request.callId);
    return ids;
  }

  #count(cause: WatchdogCause, callId: string, state?: string): void {
    this.stats.watchdogEnded[cause]++;
    const why =
      cause === 'no-final-after-cancel'
        ? 'no final response 64*T1 after our CANCEL: INVITE given up'
        : 'call silent 64*T1 with no transaction alive: ended';
    this.log.warn({ callId, cause, ...(state ? { state } : {}) }, `sip watchdog: ${why}`);
  }
}
