/**
 * Coded errors of the flow layer. A flow guards on `event.code` (never on the message); the runtime maps a code to
 * the SIP status it answers with when a flow does not handle the error itself.
 */

export type FlowErrorCode =
  /** A prompt file is missing or unreadable (media 'PROMPT_UNREADABLE'). SIP 500. */
  | 'PROMPT_UNREADABLE'
  /** The peer's SDP had no codec in common with ours (media 'NO_COMMON_CODEC'). SIP 488. */
  | 'NO_COMMON_CODEC'
  /** The peer's SDP could not be parsed (media 'BAD_SDP'). SIP 488. */
  | 'BAD_SDP'
  /** No RTP port left (media 'NO_PORTS'). SIP 503. */
  | 'NO_PORTS'
  /** sendDtmf() got a key outside 0-9 * # A-D (media 'BAD_DTMF_KEY'); nothing was sent. SIP 500 if unhandled. */
  | 'BAD_DTMF_KEY'
  /** A command was not allowed in the call's SIP state (e.g. answer after the call ended). SIP 500. */
  | 'INVALID_STATE'
  /** A dial-out could not be placed at all (bad URI, media failure). The dialled leg reports `leg.failed`. SIP 500. */
  | 'DIALOUT_FAILED'
  /** An app effect (invoked promise actor) failed without a code of its own. SIP 500. */
  | 'EFFECT_FAILED'
  /** A building block ran in an actor the runtime (or the test harness) did not bind to a call. */
  | 'NO_PORT'
  /** Anything else. SIP 500. */
  | 'INTERNAL';

/** SIP status the runtime answers with when a flow leaves an error unhandled before the call was answered. */
export const flowErrorStatus: Record<FlowErrorCode, number> = {
  PROMPT_UNREADABLE: 500,
  NO_COMMON_CODEC: 488,
  BAD_SDP: 488,
  NO_PORTS: 503,
  BAD_DTMF_KEY: 500,
  INVALID_STATE: 500,
  DIALOUT_FAILED: 500,
  EFFECT_FAILED: 500,
  NO_PORT: 500,
  INTERNAL: 500,
};

export class FlowError extends Error {
  readonly code: FlowErrorCode;
  readonly status: number;
  constructor(code: FlowErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlowError';
    this.code = code;
    this.status = flowErrorStatus[code];
  }
}

export const flowErrors = {
  noPort: (actorId: string) => new FlowError('NO_PORT', `actor '${actorId}' is not bound to a call: run flows with the runtime or testFlow()`),
  invalidState: (command: string, state: string) => new FlowError('INVALID_STATE', `'${command}' is not allowed while the call is ${state}`),
  dialoutFailed: (to: string, cause: unknown) => new FlowError('DIALOUT_FAILED', `dial-out to ${to} failed: ${messageOf(cause)}`, { cause }),
  /** SDP the peer owed us is missing or unusable (e.g. an ACK without the answer to our delayed offer). */
  badSdp: (why: string) => new FlowError('BAD_SDP', why),
  effectFailed: (cause: unknown) => new FlowError('EFFECT_FAILED', messageOf(cause), { cause }),
  internal: (cause: unknown) => new FlowError('INTERNAL', messageOf(cause), { cause }),
};

const mediaCodes = new Set<string>(['PROMPT_UNREADABLE', 'NO_COMMON_CODEC', 'BAD_SDP', 'NO_PORTS', 'BAD_DTMF_KEY']);

/** Turn anything thrown by a lower layer into a FlowError, keeping a media error's code. */
export function toFlowError(err: unknown): FlowError {
  if (err instanceof FlowError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && mediaCodes.has(code)) return new FlowError(code as FlowErrorCode, messageOf(err), { cause: err });
  return flowErrors.internal(err);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
