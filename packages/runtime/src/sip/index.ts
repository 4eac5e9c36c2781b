export type * from './sip-types.js';
export { SipStack, ALLOWED_METHODS } from './sip-stack.js';
export { SipInboundCall } from './inbound-call.js';
export { SipOutboundCall } from './outbound-call.js';
export { SipError, sipErrors, type SipErrorCode } from './errors.js';
