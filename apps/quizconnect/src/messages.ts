/**
 * The typed messages between quizconnect's legs (the tutorial's postEvent variables `b_status=MATCHED`,
 * `a_status=CANCEL`), declared apart so neither flow file needs the other's machine type.
 */
import type { CallEvent, LegRef } from '@sipflow/runtime/flow';

/** What a callee leg tells the caller leg: its PIN matched (tutorial: `postEvent($a_ltag, b_status)` with MATCHED). */
export type CallerMessage = { type: 'callee.matched'; leg: LegRef<CalleeEvents> };

/** What the caller leg tells the winning callee: join this room (tutorial: both legs `conference.join($a_ltag)`). */
export type CalleeMessage = { type: 'caller.connect'; room: string };

export type CallerEvents = CallEvent | CallerMessage;
export type CalleeEvents = CallEvent | CalleeMessage;
