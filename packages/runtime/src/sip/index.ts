export type * from './sip-types.js';
export { SipStack, ALLOWED_METHODS } from './sip-stack.js';
export { zeroSipStats } from './sip-stats.js';
export { SipInboundCall } from './inbound-call.js';
export { SipOutboundCall } from './outbound-call.js';
export { DEFAULT_TCP_LIMITS, type TcpLimits } from './tcp-limits.js';
export { SipError, sipErrors, type SipErrorCode } from './errors.js';
