import type { SipStats } from './sip-types.js';

/** A stack's counters before its first message (also what fakes and tests of a stack start from). */
export function zeroSipStats(): SipStats {
  return {
    messagesIn: 0,
    messagesOut: 0,
    retransmissionsOut: 0,
    retransmissionsAbsorbed: 0,
    peerResends: 0,
    requestsIn: 0,
    malformedDropped: 0,
    dialogSourceRefused: 0,
    watchdogEnded: { 'no-final-after-cancel': 0, 'silent-dialog': 0 },
  };
}
