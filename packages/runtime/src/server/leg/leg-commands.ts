/**
 * The flow's commands, executed against the leg's SIP dialog and media stream: one handler per `FlowCommand` type
 * (a new command without a handler does not compile). A handler throws a FlowError when the command is not allowed
 * now; `executeCommand` turns that into the flow's `error` event. A prompt that cannot be read rejects its play at
 * once; failures that come later (a re-INVITE refused) come back as `error` events too.
 */
import { isAbsolute, join } from 'node:path';
import type { InboundCall, OutboundCall } from '../../sip/sip-types.js';
import type { MediaStreamApi } from '../../media/media-types.js';
import type { FlowCommand, FlowCommandType } from '../../flow/commands.js';
import { flowErrors, toFlowError } from '../../flow/errors.js';
import type { LegContext } from './leg-context.js';

type CommandOf<T extends FlowCommandType> = Extract<FlowCommand, { type: T }>;
type CommandHandlers = { [T in FlowCommandType]: (leg: LegContext, command: CommandOf<T>) => void };

/** Run one command; a refusal (thrown) reaches the flow as an `error` event after the current transition. */
export function executeCommand<T extends FlowCommandType>(leg: LegContext, command: CommandOf<T>): void {
  const handler: CommandHandlers[T] = legCommands[command.type];
  try {
    handler(leg, command);
  } catch (err) {
    const e = toFlowError(err);
    leg.log.warn({ command: command.type, code: e.code, err: e.message }, 'command failed');
    leg.later({ type: 'error', code: e.code, message: e.message, effect: command.type });
  }
}

export const legCommands: CommandHandlers = {
  reply(leg, cmd) {
    const call = inbound(leg, cmd.type);
    if (cmd.code < 300 || cmd.code > 699) throw flowErrors.invalidState(`reply(${cmd.code})`, 'incoming (use answer() for 2xx)');
    if (call.state !== 'incoming' && call.state !== 'early') throw flowErrors.invalidState('reply', call.state);
    leg.session.lastReply = cmd.code;
    call.reject(cmd.code, cmd.reason);
  },

  progress(leg, cmd) {
    const call = inbound(leg, cmd.type);
    if (call.state !== 'incoming' && call.state !== 'early') return; // after answer: nothing to do
    if (cmd.earlyMedia && !leg.session.delayedOffer) {
      call.progress(cmd.code, leg.session.localSdp);
      leg.startMedia();
    } else call.progress(cmd.code); // offerless INVITE: no SDP in a 1xx without 100rel, media waits for the ACK
  },

  answer(leg, cmd) {
    const call = inbound(leg, cmd.type);
    if (call.state === 'answered' || call.state === 'confirmed') return;
    if (call.state === 'ended') throw flowErrors.invalidState('answer', call.state);
    call.answer(leg.session.localSdp ?? '');
    leg.session.answered = true;
    if (!leg.session.delayedOffer) leg.startMedia(); // else once the ACK's answer is applied
  },

  // The stream looks the prompt up synchronously: its prompt.queued or error reaches the flow (two microtasks on)
  // before any event from the network, a timer or an effect, so a flow's next step sees a missing file (DSM playFile).
  play(leg, cmd) {
    const stream = needStream(leg, cmd.type);
    const path = isAbsolute(cmd.prompt) ? cmd.prompt : join(leg.promptDir, cmd.prompt);
    stream.play(path, cmd.options).then(
      () => leg.later({ type: 'prompt.queued', prompt: cmd.prompt }),
      (err: unknown) => {
        const e = toFlowError(err);
        leg.log.error({ prompt: path, code: e.code, err: e.message }, 'prompt cannot be played');
        leg.later({ type: 'error', code: e.code, message: e.message, effect: 'play' });
      },
    );
  },

  flush(leg) {
    leg.session.stream?.flush();
  },

  join(leg, cmd) {
    needStream(leg, cmd.type).join(cmd.room);
  },

  leave(leg) {
    leg.session.stream?.leave();
  },

  hangup(leg, cmd) {
    const sip = leg.session.sip;
    if (!sip) {
      // Not placed yet (outbound, media pending): end after this transition, not inside it.
      queueMicrotask(() => leg.end({ kind: 'hangup-unplaced' }));
      return;
    }
    if (sip.direction === 'inbound') {
      if (sip.state === 'incoming' || sip.state === 'early') leg.session.lastReply = cmd.code ?? 480;
      sip.hangup(cmd.code);
    } else sip.hangup();
  },

  dial(leg, cmd) {
    leg.dial(cmd);
  },

  hangupLeg(leg, cmd) {
    leg.hangUpOwned(cmd.leg);
  },

  send(leg, cmd) {
    leg.post(cmd.to, cmd.event);
  },

  hold(leg, cmd) {
    reinvite(leg, cmd.type);
  },

  resume(leg, cmd) {
    reinvite(leg, cmd.type);
  },

  sendDtmf(leg, cmd) {
    const stream = needStream(leg, cmd.type);
    if (!leg.session.mediaStarted) throw flowErrors.invalidState(cmd.type, 'not connected yet (no 183/200 with our SDP)');
    // A bad key or option throws here, before anything is queued: executeCommand() turns it into the flow's `error`.
    stream.sendDtmf(cmd.keys, cmd.options).catch((err: unknown) => {
      if (leg.finished() || isStreamClosed(err)) return; // the call ended first
      const e = toFlowError(err);
      leg.later({ type: 'error', code: e.code, message: e.message, effect: 'sendDtmf' });
    });
  },

  sendInfo(leg, cmd) {
    const call = confirmed(leg, cmd.type);
    void call.sendInfo(cmd.contentType, cmd.body).then((code) => {
      if (code >= 300) leg.later({ type: 'error', code: 'EFFECT_FAILED', message: `INFO answered ${code}`, effect: 'sendInfo' });
    });
  },
};

/** hold/resume: a re-INVITE with our offer in that direction; the answer is applied to the stream. */
function reinvite(leg: LegContext, kind: 'hold' | 'resume'): void {
  const call = confirmed(leg, kind);
  const stream = needStream(leg, kind);
  const offer = stream.offer(kind === 'hold' ? 'sendonly' : 'sendrecv');
  void call.reinvite(offer).then((r) => {
    if (leg.finished()) return;
    try {
      if (r.code < 200 || r.code >= 300) throw flowErrors.effectFailed(`re-INVITE answered ${r.code}`);
      if (!r.sdp) throw flowErrors.badSdp('re-INVITE 2xx without an SDP answer');
      stream.setRemoteAnswer(r.sdp);
    } catch (err) {
      const e = toFlowError(err);
      leg.log.warn({ code: e.code, err: e.message }, `${kind} failed`);
      leg.later({ type: 'error', code: e.code, message: e.message, effect: kind });
      return;
    }
    leg.later({ type: kind === 'hold' ? 'call.held' : 'call.resumed' });
  });
}

function confirmed(leg: LegContext, command: FlowCommandType): InboundCall | OutboundCall {
  const sip = leg.session.sip;
  if (!sip || sip.state !== 'confirmed') throw flowErrors.invalidState(command, sip ? sip.state : 'not connected yet');
  return sip;
}

function inbound(leg: LegContext, command: FlowCommandType): InboundCall {
  const sip = leg.session.sip;
  if (!sip || sip.direction !== 'inbound') throw flowErrors.invalidState(command, 'an outbound leg (only inbound calls are answered)');
  return sip;
}

function needStream(leg: LegContext, command: FlowCommandType): MediaStreamApi {
  const stream = leg.session.stream;
  if (!stream) throw flowErrors.invalidState(command, 'not connected yet');
  return stream;
}

/** The stream closed under a queued sendDtmf (media 'STREAM_CLOSED'): the call is ending, nothing to report. */
function isStreamClosed(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'STREAM_CLOSED';
}
