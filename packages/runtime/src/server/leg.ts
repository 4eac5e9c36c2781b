/**
 * One call leg: the flow actor, its SIP dialog and its media stream, and the legs it owns. It is the CallPort the
 * flow's building blocks talk to: it executes FlowCommands against SIP and media, and turns SIP and media events
 * into the flow's CallEvents. It guarantees the end: whatever ends first (the flow, the dialog, the owner, an
 * error), `finish()` stops the flow, ends the dialog as its state requires, closes the media and every owned leg.
 */
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { createActor, type Actor, type AnyStateMachine, type EventObject } from 'xstate';
import type { InboundCall, OutboundCall, ReinviteRequest, InfoRequest, CallEndReason } from '../sip/sip-types.js';
import type { MediaStreamApi, DtmfEvent as MediaDtmfEvent } from '../media/media-types.js';
import { parseDtmfInfo } from '../media/dtmf-relay.js';
import type { CallPort, FlowCommand } from '../flow/commands.js';
import type { CallEvent, HangupReason } from '../flow/events.js';
import type { CallInfo, LegRef } from '../flow/leg-ref.js';
import { bindPort, bindServices } from '../flow/port-binding.js';
import { StateGraphRecorder } from '../flow/state-graph.js';
import { flowErrors, flowErrorStatus, toFlowError, type FlowErrorCode } from '../flow/errors.js';
import type { CallOutcome } from './registry-types.js';
import type { AppVersion } from './app-manager.js';

/** What a leg needs from the runtime that owns every leg. */
export interface LegHost {
  readonly registry: {
    add(init: import('./call-registry.js').NewCallRecord): unknown;
    state(id: string, state: string, graph: readonly import('./registry-types.js').StateGraphStep[]): void;
    end(id: string, outcome: Exclude<CallOutcome, 'active'>, endReason?: string): void;
  };
  /** Place the outbound leg `leg` for `owner` (async; failures come back as events). */
  dial(owner: Leg, command: Extract<FlowCommand, { type: 'dial' }>): void;
  /** Deliver a message to another leg, asynchronously; dropped if that leg is gone. */
  post(to: LegRef<never>, event: EventObject, from: Leg): void;
  /** The leg is gone (remove it from the runtime's index, release the app version). */
  removed(leg: Leg): void;
}

export interface LegInit {
  host: LegHost;
  info: CallInfo;
  app: AppVersion;
  flow: AnyStateMachine;
  /** The flow's own input (without call/self/config). */
  input: Record<string, unknown>;
  owner?: Leg;
  log: Logger;
}

type EndedBy = {
  outcome: Exclude<CallOutcome, 'active'>;
  reason: string;
  code?: number;
  /** Tell the still-running flow why it ends (so its state graph shows it), its commands ignored from then on. */
  hangup?: HangupReason;
};

export class Leg implements CallPort {
  readonly id: string;
  readonly info: CallInfo;
  readonly app: AppVersion;
  readonly flowName: string;
  readonly ref: LegRef<never>;
  readonly log: Logger;
  readonly owner: Leg | undefined;
  readonly owned = new Set<Leg>();
  readonly #host: LegHost;
  readonly #actor: Actor<AnyStateMachine>;
  readonly #recorder: StateGraphRecorder;
  #sip: InboundCall | OutboundCall | undefined;
  #stream: MediaStreamApi | undefined;
  /** Our SDP answer to an inbound offer: the same SDP in 183 and 200. */
  #localSdp: string | undefined;
  #mediaStarted = false;
  /** Inbound INVITE without SDP: our 200 carried the offer, the ACK brings the answer. */
  #delayedOffer = false;
  #answered = false;
  #lastReply: number | undefined;
  #finished = false;
  #sipEnded = false;
  readonly #sipDone: Promise<void>;
  #resolveSipDone!: () => void;

  constructor(init: LegInit) {
    this.#host = init.host;
    this.info = init.info;
    this.id = init.info.id;
    this.app = init.app;
    this.flowName = init.flow.id;
    this.owner = init.owner;
    this.log = init.log;
    this.ref = { id: this.id, flow: this.flowName };
    this.#sipDone = new Promise((r) => (this.#resolveSipDone = r));
    this.#recorder = new StateGraphRecorder((state) => this.#host.registry.state(this.id, state, this.#recorder.steps));
    const input = { ...init.input, call: this.info, self: this.ref, config: init.app.config };
    this.#actor = createActor(init.flow, { input, id: this.id, inspect: this.#recorder.inspect });
    this.#recorder.track(this.#actor);
    bindPort(this.#actor, this);
    bindServices(this.#actor.system, { app: init.app.name, log: this.log, config: init.app.config, resources: init.app.resources });
    this.#actor.subscribe({
      next: (snap) => {
        if (snap.status === 'done') queueMicrotask(() => this.finish(this.#flowDoneOutcome()));
      },
      error: (err) => {
        this.log.error({ err }, 'flow failed');
        queueMicrotask(() => this.finish({ outcome: 'error', reason: 'flow error', code: 500 }));
      },
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  get sip(): InboundCall | OutboundCall | undefined {
    return this.#sip;
  }

  /** The leg's media stream, once attached. */
  get stream(): MediaStreamApi | undefined {
    return this.#stream;
  }

  /** Resolves when the SIP dialog has ended (or there never was one). */
  get sipDone(): Promise<void> {
    return this.#sipDone;
  }

  /** Start the flow. Inbound legs get `sip.invite` first. */
  start(): void {
    try {
      this.#actor.start();
    } catch (err) {
      this.log.error({ err }, 'flow failed to start');
      this.finish({ outcome: 'error', reason: 'flow error', code: 500 });
      return;
    }
    if (this.info.direction === 'inbound') this.deliver({ type: 'sip.invite', call: this.info });
  }

  /**
   * Attach the inbound dialog and its stream. `localSdp` is the stream's answer to the INVITE's offer, or, when the
   * INVITE had none (delayed offer), the stream's offer: then the answer comes in the ACK.
   */
  attachInbound(call: InboundCall, stream: MediaStreamApi, localSdp: string): void {
    this.#sip = call;
    this.#localSdp = localSdp;
    this.#delayedOffer = !call.remoteSdp;
    this.#attachStream(stream);
    call.on('acked', (sdp) => {
      if (this.#delayedOffer) return this.#onDelayedAnswer(sdp);
      this.#later({ type: 'call.answered' });
    });
    call.on('info', (req) => this.#onInfo(req));
    call.on('reinvite', (req) => this.#onReinvite(req));
    call.on('ended', (reason) => queueMicrotask(() => this.#onSipEnded(reason)));
  }

  /** Attach the outbound dialog and the stream whose offer it carries. */
  attachOutbound(call: OutboundCall, stream: MediaStreamApi): void {
    this.#sip = call;
    this.#attachStream(stream);
    call.on('provisional', (code, _reason, sdp) => {
      // Early media: the provisional's SDP answers our offer (the 2xx repeats it, applied again then).
      let early = false;
      if (sdp !== undefined && !this.#finished) {
        try {
          stream.setRemoteAnswer(sdp);
          early = true;
        } catch (err) {
          const e = toFlowError(err);
          this.log.warn({ code: e.code, err: e.message }, 'early media SDP unusable: ignored (the 2xx may do)');
        }
      }
      this.#later({ type: 'call.ringing', code, early });
      this.#tellOwner({ type: 'leg.ringing', leg: this.ref, code, early });
    });
    call.on('answered', (sdp) =>
      queueMicrotask(() => {
        if (this.#finished) return;
        try {
          if (sdp) stream.setRemoteAnswer(sdp);
        } catch (err) {
          const e = toFlowError(err);
          this.log.warn({ code: e.code, err: e.message }, 'callee answered with SDP we cannot use');
          this.finish({ outcome: 'error', reason: e.code });
          return;
        }
        this.#answered = true;
        this.#mediaStarted = true;
        this.deliver({ type: 'call.started' });
        this.deliver({ type: 'call.answered' });
        this.#tellOwner({ type: 'leg.answered', leg: this.ref });
      }),
    );
    call.on('failed', (code, reason) => {
      this.#lastReply = code;
      this.#later({ type: 'call.failed', code, reason });
      this.#tellOwner({ type: 'leg.failed', leg: this.ref, code, reason });
    });
    call.on('info', (req) => this.#onInfo(req));
    call.on('reinvite', (req) => this.#onReinvite(req));
    call.on('ended', (reason) => queueMicrotask(() => this.#onSipEnded(reason)));
  }

  /** The outbound leg could not be placed at all (no media port, bad URI). */
  dialFailed(code: number, reason: string): void {
    this.#lastReply = code;
    this.deliver({ type: 'call.failed', code, reason });
    this.#tellOwner({ type: 'leg.failed', leg: this.ref, code, reason });
    this.finish({ outcome: 'failed', reason: String(code) });
  }

  /** Deliver a call event or a leg message to the flow now. An `error` the flow does not handle ends the call. */
  deliver(event: CallEvent | EventObject): void {
    if (this.#finished) return;
    const snap = this.#actor.getSnapshot();
    if (snap.status !== 'active') return;
    if (event.type === 'error' && !snap.can(event)) {
      const code = (event as unknown as { code: FlowErrorCode }).code;
      this.log.error(
        { code, message: (event as unknown as { message?: string }).message, state: this.#recorder.current },
        'unhandled flow error: ending the call',
      );
      this.finish({ outcome: 'error', reason: code, code: flowErrorStatus[code] ?? 500 });
      return;
    }
    this.#actor.send(event);
  }

  #tellOwner(event: CallEvent): void {
    const owner = this.owner;
    if (owner && !owner.#finished) owner.#later(event);
  }

  #later(event: CallEvent): void {
    queueMicrotask(() => this.deliver(event));
  }

  // ---- CallPort: commands from the flow's building blocks ----

  execute(command: FlowCommand): void {
    if (this.#finished) return;
    try {
      this.#execute(command);
    } catch (err) {
      const e = toFlowError(err);
      this.log.warn({ command: command.type, code: e.code, err: e.message }, 'command failed');
      this.#later({ type: 'error', code: e.code, message: e.message, effect: command.type });
    }
  }

  #execute(cmd: FlowCommand): void {
    const sip = this.#sip;
    switch (cmd.type) {
      case 'reply': {
        const call = this.#inbound(cmd.type);
        if (cmd.code < 300 || cmd.code > 699) throw flowErrors.invalidState(`reply(${cmd.code})`, 'incoming (use answer() for 2xx)');
        if (call.state !== 'incoming' && call.state !== 'early') throw flowErrors.invalidState('reply', call.state);
        this.#lastReply = cmd.code;
        call.reject(cmd.code, cmd.reason);
        return;
      }
      case 'progress': {
        const call = this.#inbound(cmd.type);
        if (call.state !== 'incoming' && call.state !== 'early') return; // after answer: nothing to do
        if (cmd.earlyMedia && !this.#delayedOffer) {
          call.progress(cmd.code, this.#localSdp);
          this.#startMedia();
        } else call.progress(cmd.code); // offerless INVITE: no SDP in a 1xx without 100rel, media waits for the ACK
        return;
      }
      case 'answer': {
        const call = this.#inbound(cmd.type);
        if (call.state === 'answered' || call.state === 'confirmed') return;
        if (call.state === 'ended') throw flowErrors.invalidState('answer', call.state);
        call.answer(this.#localSdp ?? '');
        this.#answered = true;
        if (!this.#delayedOffer) this.#startMedia(); // else once the ACK's answer is applied
        return;
      }
      case 'play': {
        const stream = this.#needStream(cmd.type);
        const path = isAbsolute(cmd.prompt) ? cmd.prompt : join(this.app.promptDir, cmd.prompt);
        stream.play(path, cmd.options).then(
          () => this.#later({ type: 'prompt.queued', prompt: cmd.prompt }),
          (err: unknown) => {
            const e = toFlowError(err);
            this.log.error({ prompt: path, code: e.code, err: e.message }, 'prompt cannot be played');
            this.#later({ type: 'error', code: e.code, message: e.message, effect: 'play' });
          },
        );
        return;
      }
      case 'flush':
        this.#stream?.flush();
        return;
      case 'join':
        this.#needStream(cmd.type).join(cmd.room);
        return;
      case 'leave':
        this.#stream?.leave();
        return;
      case 'hangup':
        if (!sip) {
          // Not placed yet (outbound, media pending): end after this transition, not inside it.
          queueMicrotask(() => this.finish({ outcome: 'cancelled', reason: 'hangup' }));
          return;
        }
        if (sip.direction === 'inbound') {
          if (sip.state === 'incoming' || sip.state === 'early') this.#lastReply = cmd.code ?? 480;
          sip.hangup(cmd.code);
        } else sip.hangup();
        return;
      case 'dial':
        this.#host.dial(this, cmd);
        return;
      case 'hangupLeg': {
        for (const leg of this.owned) {
          if (leg.id === cmd.leg.id) leg.#endByOwner('hung up by owner');
        }
        return;
      }
      case 'send':
        this.#host.post(cmd.to, cmd.event, this);
        return;
      case 'hold':
      case 'resume':
        this.#reinvite(cmd.type);
        return;
      case 'sendDtmf': {
        const stream = this.#needStream(cmd.type);
        if (!this.#mediaStarted) throw flowErrors.invalidState(cmd.type, 'not connected yet (no 183/200 with our SDP)');
        // A bad key or option throws here, before anything is queued: execute() turns it into the flow's `error`.
        stream.sendDtmf(cmd.keys, cmd.options).catch((err: unknown) => {
          if (this.#finished || (err as { code?: unknown }).code === 'STREAM_CLOSED') return; // the call ended first
          const e = toFlowError(err);
          this.#later({ type: 'error', code: e.code, message: e.message, effect: 'sendDtmf' });
        });
        return;
      }
      case 'sendInfo': {
        const call = this.#confirmed(cmd.type);
        void call.sendInfo(cmd.contentType, cmd.body).then((code) => {
          if (code >= 300) this.#later({ type: 'error', code: 'EFFECT_FAILED', message: `INFO answered ${code}`, effect: 'sendInfo' });
        });
        return;
      }
    }
  }

  #confirmed(command: string): InboundCall | OutboundCall {
    const sip = this.#sip;
    if (!sip || sip.state !== 'confirmed') throw flowErrors.invalidState(command, sip ? sip.state : 'not connected yet');
    return sip;
  }

  /** hold/resume: a re-INVITE with our offer in that direction; the answer is applied to the stream. */
  #reinvite(kind: 'hold' | 'resume'): void {
    const call = this.#confirmed(kind);
    const stream = this.#needStream(kind);
    const offer = stream.offer(kind === 'hold' ? 'sendonly' : 'sendrecv');
    void call.reinvite(offer).then((r) => {
      if (this.#finished) return;
      try {
        if (r.code < 200 || r.code >= 300) throw flowErrors.effectFailed(`re-INVITE answered ${r.code}`);
        if (!r.sdp) throw flowErrors.badSdp('re-INVITE 2xx without an SDP answer');
        stream.setRemoteAnswer(r.sdp);
      } catch (err) {
        const e = toFlowError(err);
        this.log.warn({ code: e.code, err: e.message }, `${kind} failed`);
        this.#later({ type: 'error', code: e.code, message: e.message, effect: kind });
        return;
      }
      this.#later({ type: kind === 'hold' ? 'call.held' : 'call.resumed' });
    });
  }

  #inbound(command: string): InboundCall {
    const sip = this.#sip;
    if (!sip || sip.direction !== 'inbound') throw flowErrors.invalidState(command, 'an outbound leg (only inbound calls are answered)');
    return sip;
  }

  #needStream(command: string): MediaStreamApi {
    if (!this.#stream) throw flowErrors.invalidState(command, 'not connected yet');
    return this.#stream;
  }

  /** Our SDP has gone out (183/200; the ACK's answer for a delayed offer): RTP may flow, and the flow hears of it. */
  #startMedia(): void {
    if (this.#mediaStarted) return;
    this.#mediaStarted = true;
    this.#stream?.activate();
    this.#later({ type: 'call.started' });
  }

  #attachStream(stream: MediaStreamApi): void {
    this.#stream = stream;
    stream.on('dtmf', (e: MediaDtmfEvent) => this.deliver({ type: 'dtmf', key: e.key, source: e.source }));
    stream.on('playlistEnded', () => this.deliver({ type: 'playlist.ended' }));
    stream.on('failed', (err) => {
      // Its media worker died: the audio is gone, so the call cannot go on. BYE when answered, 500 before.
      this.log.error({ err: err.message }, 'media lost: ending the call');
      this.finish({ outcome: 'error', reason: 'media failed', code: 500 });
    });
    stream.on('rtpTimeout', () => {
      this.log.warn('no RTP: ending the call');
      this.deliver({ type: 'sip.hangup', reason: 'timeout' });
      this.finish({ outcome: 'failed', reason: 'rtp-timeout', code: 408 });
    });
  }

  /** The ACK of a delayed-offer call: apply its answer, then the media is live and the call answered. */
  #onDelayedAnswer(sdp: string | undefined): void {
    queueMicrotask(() => {
      if (this.#finished) return;
      const stream = this.#stream;
      try {
        if (!sdp) throw flowErrors.badSdp('the ACK carries no SDP answer to our offer');
        stream?.setRemoteAnswer(sdp);
      } catch (err) {
        const e = toFlowError(err);
        this.log.warn({ code: e.code, err: e.message }, 'caller answered our offer with SDP we cannot use: BYE');
        this.finish({ outcome: 'error', reason: e.code });
        return;
      }
      this.#startMedia();
      this.#later({ type: 'call.answered' });
    });
  }

  #onInfo(req: InfoRequest): void {
    const dtmf = parseDtmfInfo(req.contentType, req.body);
    if (!dtmf) return;
    // The stream deduplicates against RFC 4733 / in-band reports of the same press and emits 'dtmf'.
    if (this.#stream) this.#stream.injectDtmf(dtmf.key, 'info', dtmf.durationMs);
    else this.deliver({ type: 'dtmf', key: dtmf.key, source: 'info' });
  }

  #onReinvite(req: ReinviteRequest): void {
    const stream = this.#stream;
    if (!stream) return req.reject(488);
    try {
      req.accept(req.sdp ? stream.answer(req.sdp) : (this.#localSdp ?? stream.offer()));
    } catch (err) {
      this.log.warn({ err: toFlowError(err).message }, 're-INVITE refused');
      req.reject(488);
    }
  }

  #onSipEnded(reason: CallEndReason): void {
    this.#sipEnded = true;
    this.#resolveSipDone();
    if (this.#finished) return;
    // A WebSocket client gone (tab closed) is the far end leaving, as a BYE would say.
    const peer: Partial<Record<CallEndReason, HangupReason>> = { bye: 'bye', cancel: 'cancel', 'ack-timeout': 'timeout', 'connection-lost': 'bye' };
    const hang = peer[reason];
    if (hang) this.deliver({ type: 'sip.hangup', reason: hang });
    const outcome: Exclude<CallOutcome, 'active'> =
      reason === 'cancel' || (reason === 'connection-lost' && !this.#answered)
        ? 'cancelled'
        : reason === 'failed'
          ? 'failed'
          : reason === 'ack-timeout'
            ? 'failed'
            : reason === 'local' && this.#lastReply !== undefined && !this.#answered
              ? 'rejected'
              : 'completed';
    const why = outcome === 'rejected' || outcome === 'failed' ? String(this.#lastReply ?? reason) : reason === 'local' ? 'hangup' : reason;
    this.finish({ outcome, reason: why });
  }

  #flowDoneOutcome(): EndedBy {
    if (this.#answered) return { outcome: 'completed', reason: this.#sipEnded ? 'bye' : 'flow ended' };
    if (this.#lastReply !== undefined) return { outcome: this.info.direction === 'inbound' ? 'rejected' : 'failed', reason: String(this.#lastReply) };
    return this.info.direction === 'inbound' ? { outcome: 'rejected', reason: '480', code: 480 } : { outcome: 'cancelled', reason: 'flow ended' };
  }

  /** Its owner hung this leg up or ended: the flow hears `sip.hangup` 'owner', then the leg ends. */
  #endByOwner(reason: string): void {
    this.finish({ outcome: this.#answered ? 'completed' : 'cancelled', reason, hangup: 'owner' });
  }

  /**
   * End everything, once: the flow, the legs this one owns, the SIP dialog (reply `code` before answer — default
   * 480, 500 after an error —, BYE after, CANCEL outbound), the media stream; then tell the owner.
   */
  finish(by: EndedBy): void {
    if (this.#finished) return;
    this.#finished = true;
    if (by.hangup && this.#actor.getSnapshot().status === 'active') {
      try {
        this.#actor.send({ type: 'sip.hangup', reason: by.hangup }); // #finished: execute() drops its commands
      } catch (err) {
        this.log.warn({ err }, 'the flow threw on its hangup event');
      }
    }
    if (this.#actor.getSnapshot().status === 'active') {
      try {
        this.#actor.stop();
      } catch (err) {
        this.log.warn({ err }, 'stopping the flow threw');
      }
    }
    for (const leg of [...this.owned]) leg.#endByOwner('owner ended');
    const sip = this.#sip;
    if (sip && sip.state !== 'ended') {
      try {
        if (sip.direction === 'inbound') sip.hangup(by.code ?? (by.outcome === 'error' ? 500 : undefined));
        else sip.hangup();
      } catch (err) {
        this.log.warn({ err }, 'hangup threw');
      }
    } else if (!sip) this.#resolveSipDone();
    if (this.#stream && !this.#stream.closed) this.#stream.close();
    this.#host.registry.end(this.id, by.outcome, by.reason);
    this.log.info({ outcome: by.outcome, reason: by.reason, state: this.#recorder.current }, 'call ended');
    this.#host.removed(this);
    if (this.owner && !this.owner.#finished) {
      this.owner.owned.delete(this);
      this.owner.#later({ type: 'leg.ended', leg: this.ref, reason: by.reason });
    }
  }
}
