/**
 * Leg messages of this app, inferred from the DSM postEvent() calls: one type per set of variables posted, each
 * variable a string. sendToLeg() only compiles with one of these.
 */
import type { CallEvent } from '@sipflow/runtime/flow';
import type { DsmExceptionEvent } from '@sipflow/dsm-import/runtime';

export type AppMessage = never;

/** What every flow of this app receives: call events, leg messages, and DSM throw() exceptions. */
export type AppEvents = CallEvent | AppMessage | DsmExceptionEvent;
