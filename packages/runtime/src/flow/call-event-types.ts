/**
 * The runtime's call event types as a list, apart from the event shapes (events.ts) so that leg-ref.ts can exclude
 * them from leg messages without importing events.ts, which imports leg-ref.ts.
 */

/** Every runtime call event type, at run time (a leg message with one of these types is refused). */
export const CALL_EVENT_TYPES = [
  'sip.invite',
  'call.started',
  'call.answered',
  'call.ringing',
  'call.failed',
  'call.held',
  'call.resumed',
  'dtmf',
  'sip.hangup',
  'playlist.ended',
  'prompt.queued',
  'error',
  'leg.ringing',
  'leg.answered',
  'leg.failed',
  'leg.ended',
] as const;

/** The type of a runtime call event (equal to CallEvent['type']; events.ts checks both lists agree). */
export type RuntimeCallEventType = (typeof CALL_EVENT_TYPES)[number];

/** Whether an event type is one of the runtime's call events (or XState's own), which no leg may send. */
export function isRuntimeEventType(type: string): boolean {
  return (CALL_EVENT_TYPES as readonly string[]).includes(type) || type.startsWith('xstate.');
}
