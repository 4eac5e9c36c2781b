/**
 * Leg messages of this app, inferred from the DSM postEvent() calls: one type per set of variables posted, each
 * variable a string. sendToLeg() only compiles with one of these.
 */
import type { CallEvent } from '@sipflow/runtime/flow';

/** postEvent(leg, a_status) — first at quizconnect_caller.dsm:107. */
export interface Post_a_status {
  type: 'dsm.a_status';
  params: { 'a_status': string };
}

/** postEvent(leg, b_status;b_ltag) — first at quizconnect_callee.dsm:50. */
export interface Post_b_status_b_ltag {
  type: 'dsm.b_status.b_ltag';
  params: { 'b_status': string; 'b_ltag': string };
}

/** postEvent(leg, b_status) — first at quizconnect_callee.dsm:60. */
export interface Post_b_status {
  type: 'dsm.b_status';
  params: { 'b_status': string };
}

export type AppMessage = Post_a_status | Post_b_status_b_ltag | Post_b_status;

/**
 * What every flow of this app receives: call events and leg messages. A flow's own events (DSM exceptions, timers)
 * are in its own event type only, where it has transitions for them.
 */
export type AppEvents = CallEvent | AppMessage;
