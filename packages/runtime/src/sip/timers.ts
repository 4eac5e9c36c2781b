import { Timers } from 'sip.js/lib/core/index.js';
import type { SipTimerOptions } from './sip-types.js';

export interface ResolvedTimers {
  t1: number;
  t2: number;
  t4: number;
}

export function resolveTimers(options: SipTimerOptions | undefined): ResolvedTimers {
  return { t1: options?.t1 ?? 500, t2: options?.t2 ?? 4000, t4: options?.t4 ?? 5000 };
}

/**
 * sip.js reads its transaction timeouts from one module-level `Timers` object, with D/I/J/K set to 0 (right only for
 * reliable transports): a retransmitted request then finds no transaction and is treated as new. We set the
 * unreliable-transport values (RFC 3261 §17, Table 4) derived from T1/T2/T4. The object is per process: the last
 * stack started wins (one stack per server process; tests use the same values on both sides).
 */
export function applyCoreTimers({ t1, t2, t4 }: ResolvedTimers): void {
  Object.assign(Timers, {
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
  });
}
