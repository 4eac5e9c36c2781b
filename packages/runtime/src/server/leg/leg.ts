/**
 * One call leg: the flow actor, its SIP dialog and its media stream, and the legs it owns. It is the CallPort the
 * flow's building blocks talk to. The leg coordinates three parts, each tested alone: the command handlers
 * (leg-commands.ts) execute FlowCommands against SIP and media, the SIP-event adapter (leg-sip-events.ts) turns
 * the dialog's events into the flow's CallEvents, and `outcomeOf()` (leg-outcome.ts) says how the call ended.
 * It guarantees the end: whatever ends first (the flow, the dialog, the owner, an error), `finish()` stops the flow,
 * ends the dialog as its state requires, closes the media and every owned leg.
 */
import type { Logger } from 'pino';
import { createActor, type Actor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import type { InboundCall, OutboundCall } from '../../sip/sip-types.js';
import type { MediaStreamApi } from '../../media/media-types.js';
import type { CallPort, FlowCommand } from '../../flow/commands.js';
import type { CallEvent, FlowErrorEvent } from '../../flow/events.js';
import type { CallInfo, LegRef } from '../../flow/leg-ref.js';
import { bindPort, bindServices } from '../../flow/port-binding.js';
import { StateGraphRecorder } from '../../flow/state-graph.js';
import type { CallOutcome, StateGraphStep } from '../registry-types.js';
import type { AppVersion } from '../app-manager.js';
import { newLegSession, type LegContext, type LegSession } from './leg-context.js';
import { executeCommand } from './leg-commands.js';
import { handleSipEvent, listenToSip } from './leg-sip-events.js';
import { outcomeOf, type LegEnd, type LegEnding } from './leg-outcome.js';
import { takesDtmf } from './dtmf-listening.js';

/** What a leg needs from the runtime that owns every leg. */
export interface LegHost {
  readonly registry: {
    state(id: string, state: string, graph: readonly StateGraphStep[]): void;
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
  readonly #session: LegSession = newLegSession();
  /** What the command and SIP-event handlers see of this leg. */
  readonly #context: LegContext;
  #finished = false;
  readonly #sipDone: Promise<void>;
  #resolveSipDone: () => void = () => {};

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
    this.#context = this.#makeContext();
    this.#recorder = new StateGraphRecorder((state) => this.#host.registry.state(this.id, state, this.#recorder.steps));
    const input = { ...init.input, call: this.info, self: this.ref, config: init.app.config };
    this.#actor = createActor(init.flow, { input, id: this.id, inspect: this.#recorder.inspect });
    this.#recorder.track(this.#actor);
    bindPort(this.#actor, this);
    bindServices(this.#actor.system, { app: init.app.name, log: this.log, config: init.app.config, resources: init.app.resources });
    this.#actor.subscribe({
      next: (snap) => {
        this.#followDtmfInterest(snap);
        if (snap.status === 'done') queueMicrotask(() => this.#end({ kind: 'flow-done' }));
      },
      error: (err) => {
        this.log.error({ err }, 'flow failed');
        queueMicrotask(() => this.#end({ kind: 'flow-failed' }));
      },
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  get sip(): InboundCall | OutboundCall | undefined {
    return this.#session.sip;
  }

  /** The leg's media stream, once attached. */
  get stream(): MediaStreamApi | undefined {
    return this.#session.stream;
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
      this.#end({ kind: 'flow-failed' });
      return;
    }
    if (this.info.direction === 'inbound') this.deliver({ type: 'sip.invite', call: this.info });
  }

  /**
   * Attach the inbound dialog and its stream. `localSdp` is the stream's answer to the INVITE's offer, or, when the
   * INVITE had none (delayed offer), the stream's offer: then the answer comes in the ACK.
   */
  attachInbound(call: InboundCall, stream: MediaStreamApi, localSdp: string): void {
    this.#session.sip = call;
    this.#session.localSdp = localSdp;
    this.#session.delayedOffer = !call.remoteSdp;
    this.#attachStream(stream);
    listenToSip(call, (event) => handleSipEvent(this.#context, event));
  }

  /** Attach the outbound dialog and the stream whose offer it carries. */
  attachOutbound(call: OutboundCall, stream: MediaStreamApi): void {
    this.#session.sip = call;
    this.#attachStream(stream);
    listenToSip(call, (event) => handleSipEvent(this.#context, event));
  }

  /** The outbound leg could not be placed at all (no media port, bad URI). */
  dialFailed(code: number, reason: string): void {
    this.#session.lastReply = code;
    this.deliver({ type: 'call.failed', code, reason });
    this.#tellOwner({ type: 'leg.failed', leg: this.ref, code, reason });
    this.#end({ kind: 'dial-failed', code });
  }

  /** Deliver a call event or a leg message to the flow now. An `error` the flow does not handle ends the call. */
  deliver(event: CallEvent | EventObject): void {
    if (this.#finished) return;
    const snap = this.#actor.getSnapshot();
    if (snap.status !== 'active') return;
    if (isFlowErrorEvent(event) && !snap.can(event)) {
      this.log.error({ code: event.code, message: event.message, state: this.#recorder.current }, 'unhandled flow error: ending the call');
      this.#end({ kind: 'unhandled-error', code: event.code });
      return;
    }
    this.#actor.send(event);
  }

  // ---- CallPort: commands from the flow's building blocks ----

  execute(command: FlowCommand): void {
    if (this.#finished) return;
    executeCommand(this.#context, command);
  }

  /**
   * End everything, once: the flow, the legs this one owns, the SIP dialog (reply `code` before answer — default
   * 480, 500 after an error —, BYE after, CANCEL outbound), the media stream; then tell the owner.
   */
  finish(by: LegEnd): void {
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
    for (const leg of [...this.owned]) leg.#end({ kind: 'owner', reason: 'owner ended' });
    const { sip, stream } = this.#session;
    if (sip && sip.state !== 'ended') {
      try {
        if (sip.direction === 'inbound') sip.hangup(by.code ?? (by.outcome === 'error' ? 500 : undefined));
        else sip.hangup();
      } catch (err) {
        this.log.warn({ err }, 'hangup threw');
      }
    } else if (!sip) this.#resolveSipDone();
    if (stream && !stream.closed) stream.close();
    this.#host.registry.end(this.id, by.outcome, by.reason);
    this.log.info({ outcome: by.outcome, reason: by.reason, state: this.#recorder.current }, 'call ended');
    this.#host.removed(this);
    if (this.owner && !this.owner.#finished) {
      this.owner.owned.delete(this);
      this.owner.#later({ type: 'leg.ended', leg: this.ref, reason: by.reason, answered: this.#session.answered });
    }
  }

  /** End for this reason, with the outcome `outcomeOf()` gives for how far the call had got. */
  #end(ending: LegEnding): void {
    const { answered, lastReply, sipEnded } = this.#session;
    this.finish(outcomeOf(ending, { direction: this.info.direction, answered, lastReply, sipEnded }));
  }

  #later(event: CallEvent): void {
    queueMicrotask(() => this.deliver(event));
  }

  #tellOwner(event: CallEvent): void {
    const owner = this.owner;
    if (owner && !owner.#finished) owner.#later(event);
  }

  /** Our SDP has gone out (183/200; the ACK's answer for a delayed offer): RTP may flow, and the flow hears of it. */
  #startMedia(): void {
    if (this.#session.mediaStarted) return;
    this.#session.mediaStarted = true;
    this.#session.stream?.activate();
    this.#later({ type: 'call.started' });
  }

  /** In-band DTMF detection runs only while the flow's state takes `dtmf` (dtmf-listening.ts). */
  #followDtmfInterest(snap: AnyMachineSnapshot): void {
    const stream = this.#session.stream;
    if (!stream || stream.closed) return;
    const takes = takesDtmf(snap);
    if (stream.inbandDtmf !== takes) stream.inbandDtmf = takes;
  }

  #attachStream(stream: MediaStreamApi): void {
    this.#session.stream = stream;
    this.#followDtmfInterest(this.#actor.getSnapshot());
    stream.on('dtmf', (e) => this.deliver({ type: 'dtmf', key: e.key, source: e.source }));
    stream.on('playlistEnded', () => this.deliver({ type: 'playlist.ended' }));
    stream.on('failed', (err) => {
      // Its media worker died: the audio is gone, so the call cannot go on. BYE when answered, 500 before.
      this.log.error({ err: err.message }, 'media lost: ending the call');
      this.#end({ kind: 'media-failed' });
    });
    stream.on('rtpTimeout', () => {
      this.log.warn('no RTP: ending the call');
      this.deliver({ type: 'sip.hangup', reason: 'timeout' });
      this.#end({ kind: 'rtp-timeout' });
    });
  }

  #makeContext(): LegContext {
    return {
      session: this.#session,
      direction: this.info.direction,
      ref: this.ref,
      log: this.log,
      promptDir: this.app.promptDir,
      finished: () => this.#finished,
      deliver: (event) => this.deliver(event),
      later: (event) => this.#later(event),
      tellOwner: (event) => this.#tellOwner(event),
      startMedia: () => this.#startMedia(),
      end: (ending) => this.#end(ending),
      markSipEnded: () => {
        this.#session.sipEnded = true;
        this.#resolveSipDone();
      },
      dial: (command) => this.#host.dial(this, command),
      post: (to, event) => this.#host.post(to, event, this),
      hangUpOwned: (ref) => {
        for (const owned of this.owned) if (owned.id === ref.id) owned.#end({ kind: 'owner', reason: 'hung up by owner' });
      },
    };
  }
}

/** The runtime's `error` event: leg messages never carry that type (the runtime refuses them in `post`). */
function isFlowErrorEvent(event: CallEvent | EventObject): event is FlowErrorEvent {
  return event.type === 'error';
}
