/**
 * outcomeOf(): how a leg ended → the outcome the registry records, its reason, the SIP status of a refusal. A table of
 * every ending, and for the dialog's end every (reason × answered × last reply) checked against the nested ternary it
 * replaced in leg.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallEndReason } from '../../../src/sip/sip-types.js';
import { outcomeOf, type LegEnd, type LegEnding, type LegProgress } from '../../../src/server/leg/leg-outcome.js';

const inbound: LegProgress = { direction: 'inbound', answered: false, lastReply: undefined, sipEnded: false };
const outbound: LegProgress = { ...inbound, direction: 'outbound' };
const answered = (p: LegProgress): LegProgress => ({ ...p, answered: true });
const replied = (p: LegProgress, code: number): LegProgress => ({ ...p, lastReply: code });

const table: Array<[string, LegEnding, LegProgress, LegEnd]> = [
  // The dialog ended first.
  ['peer BYE after answer', { kind: 'sip-ended', reason: 'bye' }, answered(inbound), { outcome: 'completed', reason: 'bye' }],
  ['caller CANCEL before answer', { kind: 'sip-ended', reason: 'cancel' }, inbound, { outcome: 'cancelled', reason: 'cancel' }],
  ['no ACK for our 200', { kind: 'sip-ended', reason: 'ack-timeout' }, answered(inbound), { outcome: 'failed', reason: 'ack-timeout' }],
  ['we rejected (486)', { kind: 'sip-ended', reason: 'local' }, replied(inbound, 486), { outcome: 'rejected', reason: '486' }],
  ['we hung up after answer', { kind: 'sip-ended', reason: 'local' }, answered(inbound), { outcome: 'completed', reason: 'hangup' }],
  // An unanswered outbound leg we hang up (a CANCEL on the wire) is cancelled, as when its owner hangs it up.
  ['we hung up a ringing outbound leg', { kind: 'sip-ended', reason: 'local' }, outbound, { outcome: 'cancelled', reason: 'hangup' }],
  ['we hung up an answered outbound leg', { kind: 'sip-ended', reason: 'local' }, answered(outbound), { outcome: 'completed', reason: 'hangup' }],
  ['we ended an inbound call, nothing replied', { kind: 'sip-ended', reason: 'local' }, inbound, { outcome: 'completed', reason: 'hangup' }],
  ['callee refused (busy)', { kind: 'sip-ended', reason: 'failed' }, replied(outbound, 486), { outcome: 'failed', reason: '486' }],
  ['outbound failed without a reply', { kind: 'sip-ended', reason: 'failed' }, outbound, { outcome: 'failed', reason: 'failed' }],
  [
    'browser tab closed before answer',
    { kind: 'sip-ended', reason: 'connection-lost' },
    inbound,
    { outcome: 'cancelled', reason: 'connection-lost' },
  ],
  [
    'browser tab closed after answer',
    { kind: 'sip-ended', reason: 'connection-lost' },
    answered(inbound),
    { outcome: 'completed', reason: 'connection-lost' },
  ],
  ['stack shut down', { kind: 'sip-ended', reason: 'shutdown' }, answered(inbound), { outcome: 'completed', reason: 'shutdown' }],
  // The flow reached a final state.
  ['flow done, answered, dialog up', { kind: 'flow-done' }, answered(inbound), { outcome: 'completed', reason: 'flow ended' }],
  ['flow done, answered, after BYE', { kind: 'flow-done' }, { ...answered(inbound), sipEnded: true }, { outcome: 'completed', reason: 'bye' }],
  ['flow done after reply(486)', { kind: 'flow-done' }, replied(inbound, 486), { outcome: 'rejected', reason: '486' }],
  ['flow done after the callee refused', { kind: 'flow-done' }, replied(outbound, 603), { outcome: 'failed', reason: '603' }],
  ['flow done, inbound never answered', { kind: 'flow-done' }, inbound, { outcome: 'rejected', reason: '480', code: 480 }],
  ['flow done, outbound never answered', { kind: 'flow-done' }, outbound, { outcome: 'cancelled', reason: 'flow ended' }],
  // Errors.
  ['flow threw', { kind: 'flow-failed' }, inbound, { outcome: 'error', reason: 'flow error', code: 500 }],
  [
    'unhandled PROMPT_UNREADABLE',
    { kind: 'unhandled-error', code: 'PROMPT_UNREADABLE' },
    inbound,
    { outcome: 'error', reason: 'PROMPT_UNREADABLE', code: 500 },
  ],
  [
    'unhandled NO_COMMON_CODEC',
    { kind: 'unhandled-error', code: 'NO_COMMON_CODEC' },
    inbound,
    { outcome: 'error', reason: 'NO_COMMON_CODEC', code: 488 },
  ],
  ['unhandled NO_PORTS', { kind: 'unhandled-error', code: 'NO_PORTS' }, answered(inbound), { outcome: 'error', reason: 'NO_PORTS', code: 503 }],
  ['unusable SDP answer', { kind: 'bad-sdp', code: 'BAD_SDP' }, outbound, { outcome: 'error', reason: 'BAD_SDP' }],
  ['media worker died', { kind: 'media-failed' }, answered(inbound), { outcome: 'error', reason: 'media failed', code: 500 }],
  ['no RTP', { kind: 'rtp-timeout' }, answered(inbound), { outcome: 'failed', reason: 'rtp-timeout', code: 408 }],
  // Outbound legs.
  ['no media port for the dial', { kind: 'dial-failed', code: 503 }, outbound, { outcome: 'failed', reason: '503' }],
  ['hung up before placed', { kind: 'hangup-unplaced' }, outbound, { outcome: 'cancelled', reason: 'hangup' }],
  // Owner.
  [
    'owner hung up a ringing leg',
    { kind: 'owner', reason: 'hung up by owner' },
    outbound,
    { outcome: 'cancelled', reason: 'hung up by owner', hangup: 'owner' },
  ],
  [
    'owner ended, leg answered',
    { kind: 'owner', reason: 'owner ended' },
    answered(outbound),
    { outcome: 'completed', reason: 'owner ended', hangup: 'owner' },
  ],
];

for (const [name, ending, progress, expected] of table) {
  test(`outcomeOf: ${name}`, () => {
    assert.deepEqual(outcomeOf(ending, progress), expected);
  });
}

/**
 * The expression leg.ts had before the split (when the dialog ended first), kept here as the reference — with the one
 * deliberate change since: our own end of an unanswered outbound leg (a CANCEL) is 'cancelled', no longer 'completed'.
 */
function formerSipEndedOutcome(reason: CallEndReason, outbound: boolean, answered: boolean, lastReply: number | undefined): LegEnd {
  const outcome: LegEnd['outcome'] =
    reason === 'cancel' || (reason === 'connection-lost' && !answered) || (reason === 'local' && outbound && !answered)
      ? 'cancelled'
      : reason === 'failed'
        ? 'failed'
        : reason === 'ack-timeout'
          ? 'failed'
          : reason === 'local' && lastReply !== undefined && !answered
            ? 'rejected'
            : 'completed';
  const why = outcome === 'rejected' || outcome === 'failed' ? String(lastReply ?? reason) : reason === 'local' ? 'hangup' : reason;
  return { outcome, reason: why };
}

test('outcomeOf: the end of the dialog gives what the former nested ternary gave (but a cancelled unanswered outbound leg), for every case', () => {
  const reasons: CallEndReason[] = ['bye', 'cancel', 'ack-timeout', 'local', 'failed', 'connection-lost', 'shutdown'];
  let rows = 0;
  for (const reason of reasons)
    for (const direction of ['inbound', 'outbound'] as const)
      for (const isAnswered of [false, true])
        for (const lastReply of [undefined, 404, 486])
          for (const sipEnded of [false, true]) {
            const got = outcomeOf({ kind: 'sip-ended', reason }, { direction, answered: isAnswered, lastReply, sipEnded });
            assert.deepEqual(
              got,
              formerSipEndedOutcome(reason, direction === 'outbound', isAnswered, lastReply),
              `${reason} ${direction} answered=${isAnswered} lastReply=${lastReply}`,
            );
            rows++;
          }
  assert.equal(rows, 7 * 2 * 2 * 3 * 2);
});
