/**
 * Runs flows on calls: takes inbound INVITEs (routing, limits, overload), places outbound legs, routes messages
 * between legs, and ends everything on shutdown. Every leg is a `Leg` (leg/leg.ts) and is in the registry while alive.
 */
import type { Logger } from 'pino';
import type { EventObject } from 'xstate';
import type { InboundCall, SipStackApi } from '../sip/sip-types.js';
import type { MediaEngineApi } from '../media/media-types.js';
import { isWebRtcOffer } from '../media/webrtc-offer.js';
import { createWebRtcStream } from '../media/webrtc/webrtc-stream.js';
import type { FlowCommand } from '../flow/commands.js';
import type { CallInfo, LegRef } from '../flow/leg-ref.js';
import { toFlowError } from '../flow/errors.js';
import { isRuntimeEventType } from '../flow/call-event-types.js';
import type { AppManager } from './app-manager.js';
import type { CallRegistry } from './call-registry.js';
import { Leg, type LegHost } from './leg/leg.js';
import type { AdmissionControl } from './admission.js';
import { LegBudget } from './leg-budget.js';
import { isIP } from 'node:net';
import { parseSipUri } from '../sip/wire.js';

export interface FlowRuntimeOptions {
  stack: SipStackApi;
  media: MediaEngineApi;
  registry: CallRegistry;
  apps: AppManager;
  logger: Logger;
  /** Most legs (inbound + outbound) at once; new INVITEs beyond it get 503. Default 1000. */
  maxCalls?: number;
  /** End a call when no RTP arrives for this long, ms (0 = never). Default 0. */
  rtpTimeoutMs?: number;
  /** Streams may latch once to a source on the signalling peer's IP (NAT); else RTP only from the SDP address. Default false. */
  rtpLatch?: boolean;
  /** Refuses new INVITEs (503 + Retry-After) while media or signalling lack headroom. Default none. */
  admission?: AdmissionControl;
}

/** A SIP URI parsed by the SIP layer's one parser; the scheme may be left out ('john@h:5080'). */
function parseUri(uri: string) {
  return parseSipUri(uri) ?? parseSipUri(`sip:${uri.replace(/^.*</, '').replace(/>.*$/, '')}`);
}

/** The user part of a SIP URI ('sip:john@h:5080' → 'john'). */
export function uriUser(uri: string): string {
  return parseUri(uri)?.user ?? '';
}

/** The transport a SIP URI names ('sip:bob@h;transport=tcp' → 'tcp'), UDP by default. */
export function uriTransport(uri: string): CallInfo['transport'] {
  const named = /;\s*transport=([a-z]+)/i.exec(uri)?.[1]?.toLowerCase();
  return named === 'tcp' || named === 'ws' || named === 'wss' ? named : 'udp';
}

/** The host of a SIP URI when it is an IP literal ('sip:bob@127.0.0.1:5080;transport=tcp' → '127.0.0.1'). */
export function uriHost(uri: string): string | undefined {
  const host = parseUri(uri)?.host;
  return host !== undefined && isIP(host) ? host : undefined;
}

export class FlowRuntime implements LegHost {
  readonly registry: CallRegistry;
  readonly #stack: SipStackApi;
  readonly #media: MediaEngineApi;
  readonly #apps: AppManager;
  readonly #log: Logger;
  readonly #maxCalls: number;
  readonly #rtpTimeoutMs: number;
  readonly #rtpLatch: boolean;
  readonly #admission: AdmissionControl | undefined;
  readonly #legs = new Map<string, Leg>();
  /** Legs admitted calls will still dial, and their RTP ports (media.portShares); INVITEs admitted whose leg is not created yet. */
  readonly #budget: LegBudget;
  #pendingInbound = 0;
  readonly #refused = { calls: 0, ports: 0 };
  #accepting = true;
  /** drain() callers waiting for the last leg to end. */
  #idleWaiters: (() => void)[] = [];

  constructor(options: FlowRuntimeOptions) {
    this.#stack = options.stack;
    this.#media = options.media;
    this.registry = options.registry;
    this.#apps = options.apps;
    this.#log = options.logger;
    this.#maxCalls = options.maxCalls ?? 1000;
    this.#rtpTimeoutMs = options.rtpTimeoutMs ?? 0;
    this.#rtpLatch = options.rtpLatch ?? false;
    this.#admission = options.admission;
    this.#budget = new LegBudget(options.admission?.assumedFanOut);
    this.#stack.onInvite((call) => {
      this.#onInvite(call).catch((err: unknown) => {
        this.#log.error({ err, callId: call.callId }, 'inbound call setup failed');
        if (call.state !== 'ended') call.hangup(500);
      });
    });
  }

  /** INVITEs refused with 503 because their call would not fit the call limit or the RTP ports. */
  get refusedForResources(): { calls: number; ports: number } {
    return { ...this.#refused };
  }

  /** Legs alive now. */
  get activeCount(): number {
    return this.#legs.size;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  /**
   * Retry-After seconds while a new INVITE would be refused with 503 (draining or stopping, at the call limit, no
   * headroom), undefined while calls are admitted. Counts nothing: OPTIONS asks it.
   */
  get refusingRetryAfterS(): number | undefined {
    const retry = this.#admission?.retryAfterS ?? 2;
    if (!this.#accepting || this.#legs.size >= this.#maxCalls) return retry;
    return this.#admission?.snapshot.refusing ? retry : undefined;
  }

  /**
   * Drain: stop taking calls (new INVITEs and OPTIONS get 503 + Retry-After) and let the calls in progress end on
   * their own. Resolves true when the last leg has ended, false after `deadlineMs` with calls still up (the caller
   * then ends them with shutdown()).
   */
  async drain(deadlineMs: number): Promise<boolean> {
    this.#accepting = false;
    if (this.#legs.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
    const done = await Promise.race([idle, late]);
    clearTimeout(timer);
    return done;
  }

  async #onInvite(call: InboundCall): Promise<void> {
    const log = this.#log.child({ call: call.id });
    if (!this.#accepting) return call.reject(503, 'Shutting Down');
    const retryAfter = `Retry-After: ${this.#admission?.retryAfterS ?? 2}`;
    if (this.#legs.size >= this.#maxCalls) {
      this.#refused.calls++;
      log.warn({ active: this.#legs.size, max: this.#maxCalls }, 'call limit reached: 503');
      return call.reject(503, 'Too Many Calls', [retryAfter]);
    }
    const lacking = this.#admission?.refuse();
    if (lacking) {
      log.warn({ lacking }, `${lacking === 'media' ? 'media' : 'signalling'} has no headroom: 503`);
      return call.reject(503, 'Overloaded', [`Retry-After: ${this.#admission!.retryAfterS}`]);
    }
    const route = this.#apps.route(call.requestUser);
    if (!route) {
      log.info({ user: call.requestUser }, 'no app takes this R-URI user: 404');
      return call.reject(404);
    }
    const { app, flow: flowName } = route;
    const flow = app.definition.flows[flowName]!;
    // The whole call must fit: its own leg and those its flow will dial (its learned fan-out, or the assumed one until
    // a call of the flow has shown it), within the call limit and the RTP ports of one share of the range (a call's
    // streams all go to one media worker), counting what admitted calls will still dial.
    const key = `${app.name}/${flowName}`;
    this.#budget.learnFromAnswers((id) => {
      const state = this.#legs.get(id)?.sip?.state;
      return state === 'answered' || state === 'confirmed';
    });
    const reserved = this.#budget.reserved + this.#pendingInbound;
    const legsFree = this.#maxCalls - this.#legs.size - reserved;
    const shares = this.#media.portShares;
    const pairsFree = shares ? this.#budget.place(shares, 1).free : Infinity;
    const fanOut = this.#budget.fanOut(key, Math.min(legsFree, pairsFree));
    const need = 1 + fanOut;
    const learned = this.#budget.learned(key);
    if (need > legsFree) {
      this.#refused.calls++;
      log.warn({ active: this.#legs.size, reserved, need, learned, max: this.#maxCalls }, 'call limit: the legs this call needs do not fit: 503');
      return call.reject(503, 'Too Many Calls', [retryAfter]);
    }
    const placed = shares ? this.#budget.place(shares, need) : undefined;
    if (placed && placed.share === undefined) {
      this.#refused.ports++;
      log.warn({ free: placed.free, need, learned, shares: shares!.length }, 'RTP ports: the streams this call needs do not fit: 503');
      return call.reject(503, 'No Media Ports', [retryAfter]);
    }
    const share = placed?.share;
    this.#budget.admitted(call.id, key, share, fanOut);
    this.#pendingInbound++;
    let started = false;
    try {
      started = await this.#setUpInbound(call, log, app, flow, flowName, share);
    } finally {
      this.#pendingInbound--;
      if (!started) this.#budget.ended(call.id);
    }
  }

  /** After admission: the stream and the SDP answer, then the leg and its flow. False when the call did not start. */
  async #setUpInbound(
    call: InboundCall,
    log: Logger,
    app: NonNullable<ReturnType<AppManager['route']>>['app'],
    flow: NonNullable<ReturnType<AppManager['route']>>['app']['definition']['flows'][string],
    flowName: string,
    share: number | undefined,
  ): Promise<boolean> {
    let stream;
    this.#budget.creating(share);
    try {
      // The answer is computed now (a bad offer gets 488 before any flow runs) but RTP waits until it has gone out.
      // A browser (SIP over WebSocket) offering DTLS-SRTP gets a WebRTC leg; everyone else plain RTP.
      const webrtc = (call.remote.transport === 'ws' || call.remote.transport === 'wss') && isWebRtcOffer(call.remoteSdp);
      stream = webrtc
        ? await createWebRtcStream(
            this.#media,
            { rtpTimeoutMs: this.#rtpTimeoutMs, deferSending: true, webrtc: true, logger: log, host: this.#media.host },
            call.remoteSdp!,
          )
        : await this.#media.createStream({
            ...this.#streamOptions(call.remote.address),
            deferSending: true,
            ...(share !== undefined ? { share } : {}),
          });
    } catch (err) {
      const e = toFlowError(err);
      log.error({ code: e.code, err: e.message }, 'no media stream: 503');
      call.reject(e.status >= 500 ? 503 : e.status);
      return false;
    } finally {
      this.#budget.created(share);
    }
    if (call.state === 'ended') {
      stream.close();
      return false;
    }
    // Delayed offer (an INVITE without SDP, RFC 3261 §13.2.1): our 200 carries the offer, the ACK the answer.
    let localSdp: string;
    try {
      localSdp = !call.remoteSdp ? stream.offer() : stream.answer(call.remoteSdp);
    } catch (err) {
      const e = toFlowError(err);
      log.info({ code: e.code, err: e.message }, 'SDP offer refused');
      stream.close();
      call.reject(e.status);
      return false;
    }
    const info: CallInfo = {
      id: call.id,
      direction: 'inbound',
      from: call.from,
      to: call.to,
      requestUri: call.requestUri,
      user: call.requestUser,
      transport: call.remote.transport,
    };
    const leg = this.#newLeg({ info, app, flow, input: {}, log: log.child({ app: app.name, flow: flowName }) }, call.callId);
    leg.attachInbound(call, stream, localSdp);
    leg.start();
    return true;
  }

  /** Stream options of a leg whose signalling peer is `peer` (the only IP a stream may latch to). */
  #streamOptions(peer: string | undefined): { rtpTimeoutMs: number; rtpLatch: boolean; signallingAddress?: string } {
    return { rtpTimeoutMs: this.#rtpTimeoutMs, rtpLatch: this.#rtpLatch, ...(peer && isIP(peer) ? { signallingAddress: peer } : {}) };
  }

  #newLeg(init: Omit<ConstructorParameters<typeof Leg>[0], 'host'>, sipCallId?: string): Leg {
    const leg = new Leg({ ...init, host: this });
    this.#legs.set(leg.id, leg);
    this.#apps.acquire(leg.app);
    this.registry.add({
      id: leg.id,
      app: leg.app.name,
      appVersion: leg.app.version,
      flow: leg.flowName,
      direction: init.info.direction,
      from: init.info.from,
      to: init.info.to,
      requestUri: init.info.requestUri,
      transport: init.info.transport,
      ...(sipCallId ? { sipCallId } : {}),
      ...(init.info.parentId ? { parentId: init.info.parentId } : {}),
      startedAt: Date.now(),
    });
    return leg;
  }

  // ---- LegHost ----

  dial(owner: Leg, command: Extract<FlowCommand, { type: 'dial' }>): void {
    const spec = command.leg.dial;
    if (this.#legs.has(command.leg.id)) {
      owner.log.warn({ leg: command.leg.id }, 'leg dialled twice: ignored');
      return;
    }
    const { host, port } = this.#stack.advertised;
    const fromUser = spec.from?.user ?? 'sipflow';
    const from = `${spec.from?.displayName ? `"${spec.from.displayName}" ` : ''}<sip:${fromUser}@${spec.from?.host ?? `${host}:${port}`}>`;
    const info: CallInfo = {
      id: command.leg.id,
      direction: 'outbound',
      from,
      to: `<${spec.to}>`,
      requestUri: spec.to,
      user: uriUser(spec.to),
      transport: uriTransport(spec.to),
      parentId: owner.id,
    };
    const leg = this.#newLeg({
      info,
      app: owner.app,
      flow: spec.logic,
      input: spec.input,
      owner,
      log: this.#log.child({ call: info.id, parent: owner.id, app: owner.app.name, flow: spec.logic.id }),
    });
    owner.owned.add(leg);
    let root = owner;
    while (root.owner) root = root.owner;
    // The leg's stream leaves the call's reservation and is counted as being created on the call's share.
    const share = this.#budget.dialled(root.id);
    this.#budget.creating(share);
    leg.start();
    void this.#place(leg, spec, share).catch((err: unknown) => {
      const e = toFlowError(err);
      leg.log.error({ code: e.code, err: e.message }, 'dial-out failed');
      leg.dialFailed(e.code === 'NO_PORTS' ? 503 : 500, e.message);
    });
  }

  async #place(leg: Leg, spec: Extract<FlowCommand, { type: 'dial' }>['leg']['dial'], share: number | undefined): Promise<void> {
    // Near the owner's stream: legs of one call can meet in a room, so they share a media worker (the call's share).
    const near = leg.owner?.stream;
    let stream;
    try {
      stream = await this.#media.createStream({
        ...this.#streamOptions(uriHost(spec.to)),
        ...(near ? { near } : {}),
        ...(share !== undefined ? { share } : {}),
      });
    } finally {
      this.#budget.created(share);
    }
    if (leg.finished) {
      stream.close();
      return;
    }
    let offer: string;
    try {
      offer = stream.offer();
    } catch (err) {
      stream.close();
      throw err;
    }
    const call = this.#stack.dial({
      to: spec.to,
      from: {
        user: spec.from?.user ?? 'sipflow',
        ...(spec.from?.host ? { host: spec.from.host } : {}),
        ...(spec.from?.displayName ? { displayName: spec.from.displayName } : {}),
      },
      sdp: offer,
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.credentials ? { credentials: spec.credentials } : {}),
      // The app's outbound_proxy, else the stack's (--outbound-proxy).
      ...(leg.app.outboundProxy !== undefined ? { outboundProxy: leg.app.outboundProxy } : {}),
    });
    leg.attachOutbound(call, stream);
    const record = this.registry.get(leg.id);
    if (record) {
      record.from = call.from;
      record.sipCallId = call.callId;
    }
  }

  post(to: LegRef<never>, event: EventObject, from: Leg): void {
    // A leg message may never impersonate the runtime (sendToLeg's types refuse it; an `as` cast does not get through).
    if (isRuntimeEventType(event.type)) {
      from.log.error({ to: to.id, event: event.type }, `a leg message may not have the runtime's event type '${event.type}': refused`);
      return;
    }
    queueMicrotask(() => {
      const target = this.#legs.get(to.id);
      if (!target) {
        from.log.debug({ to: to.id, event: event.type }, 'message to a leg that has ended: dropped');
        return;
      }
      target.deliver(event);
    });
  }

  removed(leg: Leg): void {
    if (this.#legs.get(leg.id) === leg) this.#legs.delete(leg.id);
    this.#budget.ended(leg.id);
    this.#apps.release(leg.app);
    if (this.#legs.size === 0 && this.#idleWaiters.length) {
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  /**
   * Stop taking calls (new INVITEs get 503) and end every call cleanly: unanswered inbound calls get 503, answered
   * ones BYE, outbound legs CANCEL or BYE. Resolves when every dialog has ended, or after `graceMs`.
   */
  async shutdown(graceMs = 5000): Promise<void> {
    this.#accepting = false;
    const legs = [...this.#legs.values()];
    for (const leg of legs) if (!leg.owner) leg.finish({ outcome: 'completed', reason: 'shutdown', code: 503 });
    for (const leg of this.#legs.values()) leg.finish({ outcome: 'completed', reason: 'shutdown', code: 503 });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(legs.map((l) => l.sipDone)), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}
