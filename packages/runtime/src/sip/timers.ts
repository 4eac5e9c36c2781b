import type { Timers } from 'sip.js/lib/core/index.js';
import type { SipTimerOptions } from './sip-types.js';

export interface ResolvedTimers {
  t1: number;
  t2: number;
  t4: number;
}

export function resolveTimers(options: SipTimerOptions | undefined): ResolvedTimers {
  return { t1: options?.t1 ?? 500, t2: options?.t2 ?? 4000, t4: options?.t4 ?? 5000 };
}

/** The shape of sip.js's timer table (its module-level `Timers`, which we never write). */
export type CoreTimers = { -readonly [K in keyof typeof Timers]: number };

/**
 * One stack's timer table for sip.js's transactions and dialogs: what their reads of sip.js's `Timers` return while
 * that stack's work runs (timer-scope.ts), so two stacks in one process keep their own T1/T2/T4.
 *
 * The values are RFC 3261 §17 Table 4's for unreliable transports, derived from T1/T2/T4. sip.js's own table has
 * D/I/J/K = 0 (right only for reliable transports): a retransmitted request would then find no transaction and be
 * treated as new. Timer A/E/G retransmissions are not sip.js's (it leaves them TODO): retransmitter.ts sends them from
 * the same T1/T2. Timer N (subscriptions) and the 60 s provisional-response interval are not T1-derived; sipflow
 * accepts no SUBSCRIBE.
 */
export function coreTimers({ t1, t2, t4 }: ResolvedTimers): CoreTimers {
  return {
    T1: t1,
    T2: t2,
    T4: t4,
    TIMER_B: 64 * t1,
    TIMER_D: 64 * t1,
    TIMER_F: 64 * t1,
    TIMER_H: 64 * t1,
    TIMER_I: t4,
    TIMER_J: 64 * t1,
    TIMER_K: t4,
    TIMER_L: 64 * t1,
    TIMER_M: 64 * t1,
    TIMER_N: 64 * t1,
    PROVISIONAL_RESPONSE_INTERVAL: 60_000,
  };
}
