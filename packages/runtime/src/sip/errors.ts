/**
 * Coded errors of the SIP layer. Callers branch on `err.code`, never on the message text; `sipStatus` is the
 * response the layer above would send for it (when the error is SIP-facing).
 */
export type SipErrorCode = 'SIP_BIND_FAILED' | 'SIP_BAD_URI' | 'SIP_UNRESOLVABLE' | 'SIP_TRANSPORT' | 'SIP_INVALID_STATE' | 'SIP_STOPPED';

export class SipError extends Error {
  constructor(
    readonly code: SipErrorCode,
    message: string,
    readonly sipStatus?: number,
  ) {
    super(message);
    this.name = 'SipError';
  }
}

export const sipErrors = {
  bindFailed: (host: string, port: number, cause: string) => new SipError('SIP_BIND_FAILED', `cannot bind SIP to ${host}:${port}: ${cause}`),
  badUri: (uri: string) => new SipError('SIP_BAD_URI', `not a usable SIP URI: ${uri}`, 400),
  badOutboundProxy: (reason: string) => new SipError('SIP_BAD_URI', `outbound proxy: ${reason}`, 400),
  unresolvable: (host: string) => new SipError('SIP_UNRESOLVABLE', `cannot resolve ${host}`, 404),
  transport: (detail: string) => new SipError('SIP_TRANSPORT', `transport failure: ${detail}`, 503),
  invalidState: (what: string, state: string) => new SipError('SIP_INVALID_STATE', `${what} not allowed in state ${state}`),
  stopped: () => new SipError('SIP_STOPPED', 'the SIP stack is stopped', 503),
};
