/**
 * Leg messages of this app, inferred from the DSM postEvent() calls: one type per set of variables posted, each
 * variable a string. sendToLeg() only compiles with one of these.
 */
import type { CallEvent } from '@sipflow/runtime/flow';

export type AppMessage = never;

/**
 * What every flow of this app receives: call events and leg messages. A flow's own events (DSM exceptions, timers)
 * are in its own event type only, where it has transitions for them.
 */
export type AppEvents = CallEvent | AppMessage;
