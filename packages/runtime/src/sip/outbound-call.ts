import type { Logger } from 'pino';
import {
  Grammar,
  URI,
  type AckableIncomingResponseWithSession,
  type IncomingResponse,
  type IncomingResponseMessage,
  type LoggerFactory,
  type OutgoingRequestMessage,
  type PrackableIncomingResponseWithSession,
  type UserAgentCore,
} from 'sip.js/lib/core/index.js';
import { CallDigest } from './call-credentials.js';
import { DialogCall } from './dialog-call.js';
import { fastSipUri } from './grammar-fast-name-addr.js';
import { SipInviteClient } from './invite-client.js';
import { sdpBody, sdpOf } from './session-helpers.js';
import type { CallEndReason, DialOptions, OutboundCall, OutboundCallEvents, OutboundCallState, SipCredentials } from './sip-types.js';
import { parseOutboundProxy } from './outbound-proxy.js';
import type { StackScope } from './timer-scope.js';
import { uriDestination, type Destination } from './wire.js';

export interface OutboundCallContext {
  core: UserAgentCore;
  loggerFactory: LoggerFactory;
  /** The address we advertise (Contact, default From host). */
  local: { host: string; port: number };
  /** 'sip:HOST:PORT;lr' to send the INVITE through (pre-loaded Route), or undefined: straight to the Request-URI. */
  outboundProxy?: string | undefined;
  /** Resolves a host name (throws a coded SipError when it cannot). */
  resolve: (host: string) => Promise<string>;
  /** The call has ended (called before its `ended` event). */
  onEnded: () => void;
  /** We sent a CANCEL for this INVITE (the watchdog gives it up if no final response comes). */
  onCancelSent?: (uac: SipInviteClient) => void;
  /** The stack's scope: what makes sip.js send runs in it (see `DialogCall.inStack`). */
  inStack: StackScope;
}

/**
 * An INVITE we originate, wrapping sip.js's InviteUserAgentClient and, once answered, its session dialog (the
 * confirmed dialog's requests, BYE and the end are `DialogCall`'s).
 *
 * hangup() ends the call for the layer above at once (`ended('local')`); the stack then finishes the signalling:
 * CANCEL as soon as a provisional response allows it (RFC 3261 §9.1), and a 2xx that races the CANCEL is ACKed and
 * BYEd.
 */
export class SipOutboundCall extends DialogCall<OutboundCallEvents, OutboundCallState> implements OutboundCall {
  readonly direction = 'outbound' as const;
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  /** Set once the Request-URI is known usable ('' for a call that fails at once). */
  protected contact = '';
  readonly #ctx: OutboundCallContext;
  readonly #message: OutgoingRequestMessage | undefined;
  #uac: SipInviteClient | undefined;
  #lastResponse: IncomingResponse | undefined;
  /** A provisional response came: CANCEL may be sent. */
  #proceeding = false;
  /** hangup() before any final response: CANCEL when possible, then ACK+BYE any 2xx. */
  #cancelRequested = false;
  #finalReceived = false;
  /** The handlers given to sip.js reach the call through this; emptied once the call is done with them. */
  readonly #link: { call?: SipOutboundCall } = { call: this };

  constructor(id: string, options: DialOptions, log: Logger, ctx: OutboundCallContext) {
    super(log, 'calling', ctx.onEnded, ctx.inStack);
    this.id = id;
    this.#ctx = ctx;
    this.requestUri = options.to;
    // The fast path first: sip.js's grammar would be the one PEG parse left on the path of a call.
    const ruri = fastSipUri(options.to) ?? Grammar.URIParse(options.to);
    const proxy = ctx.outboundProxy === undefined ? undefined : parseOutboundProxy(ctx.outboundProxy);
    const dest = proxy === undefined ? uriDestination(options.to) : typeof proxy === 'string' ? undefined : proxy.destination;
    if (!ruri || !dest || (ruri.scheme !== 'sip' && ruri.scheme !== 'sips') || !uriDestination(options.to)) {
      this.callId = '';
      this.from = '';
      this.to = options.to;
      const reason = typeof proxy === 'string' ? 'Invalid outbound proxy' : 'Invalid Request-URI';
      if (typeof proxy === 'string') log.warn({ outboundProxy: ctx.outboundProxy }, `sip: ${proxy}`);
      queueMicrotask(() => this.#fail(400, reason));
      return;
    }
    const { local } = ctx;
    const fromUri = new URI('sip', options.from.user, options.from.host ?? local.host, options.from.host ? undefined : local.port);
    const toUri = ruri.clone();
    for (const p of Object.keys(toUri.parameters)) toUri.deleteParam(p);
    const contact = `<sip:${options.from.user}@${local.host}:${local.port}${dest.transport === 'tcp' ? ';transport=tcp' : ''}>`;
    this.contact = contact;
    const extra = [`Contact: ${contact}`, 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO'];
    for (const [name, value] of Object.entries(options.headers ?? {})) extra.push(`${name}: ${value}`);
    const message = ctx.core.makeOutgoingRequestMessage(
      'INVITE',
      ruri,
      fromUri,
      toUri,
      {
        ...(options.from.displayName ? { fromDisplayName: options.from.displayName } : {}),
        // RFC 3261 §8.1.2: the proxy as a pre-loaded Route set; the transport sends to the first Route (loose routing).
        ...(proxy && typeof proxy !== 'string' ? { routeSet: [proxy.route] } : {}),
      },
      extra,
      sdpBody(options.sdp),
    );
    this.#message = message;
    this.callId = message.callId;
    this.from = message.from.toString();
    this.to = message.to.toString();
    void this.#send(message, dest, options.credentials);
  }

  header(name: string): string | undefined {
    const r = this.#lastResponse;
    return r ? r.message.getHeader(name) : undefined;
  }

  hangup(): void {
    if (this.state === 'ended') {
      // Still signalling after an early local hangup? Nothing more to ask for.
      return;
    }
    if (this.state === 'confirmed') {
      this.sendBye();
      this.end('local');
      return;
    }
    this.#cancelRequested = true;
    this.#maybeCancel();
    this.end('local');
  }

  async #send(message: OutgoingRequestMessage, dest: Destination, credentials: SipCredentials | undefined) {
    try {
      await this.#ctx.resolve(dest.host);
    } catch {
      this.#fail(503, 'Unresolvable destination');
      return;
    }
    if (this.state === 'ended') return; // hung up before anything was sent
    try {
      // sip.js reaches the call only through #link, which #releaseWhenDone() empties (see DialogCall.release).
      const link = this.#link;
      const log = this.log; // not `this`: the closures below must not hold the call
      const core = this.#ctx.core;
      const delegate = {
        onTrying: () => link.call && link.call.#onProvisional(),
        onProgress: (r: PrackableIncomingResponseWithSession) => link.call && link.call.#onProgress(r),
        onAccept: (r: AckableIncomingResponseWithSession) => (link.call ? link.call.#onAccept(r) : ackAndBye(r, log)),
        onRedirect: (r: IncomingResponse) => link.call && link.call.#onFinal(r),
        onReject: (r: IncomingResponse) => link.call && link.call.#onFinal(r),
      };
      const options = {
        onResponse: (m: IncomingResponseMessage) => link.call && link.call.#beforeUac(m),
        credentials: credentials ? new CallDigest(this.#ctx.loggerFactory, credentials) : undefined,
      };
      // After an await: the INVITE's Timer B is armed in the stack's scope, whatever ran this continuation.
      this.#uac = this.inStack(() => new SipInviteClient(core, message, delegate, options));
    } catch (err) {
      this.log.warn({ err }, 'sip: INVITE not sent');
      this.#fail(503, 'Service Unavailable');
    }
  }

  /**
   * sip.js drops a non-100 1xx without To-tag or Contact (it cannot build an early dialog from it) before any
   * delegate sees it, though its transaction has moved to Proceeding. Such a response still means "ringing" and
   * still allows CANCEL (RFC 3261 §9.1), so we look at responses before sip.js's UAC does.
   */
  #beforeUac(message: IncomingResponseMessage): void {
    const code = message.statusCode ?? 0;
    if (code > 100 && code < 200 && !createsEarlyDialog(message)) {
      this.#lastResponse = { message };
      this.#onProvisional();
      this.#emitProvisional(message);
    }
  }

  protected override end(reason: CallEndReason): void {
    super.end(reason);
    this.#releaseWhenDone();
  }

  /**
   * Ended, and no final response still to handle (a CANCEL's 487, or a 2xx to ACK and BYE): the INVITE client
   * transaction, kept 64*T1 after a 2xx, no longer holds this call. A 2xx of another fork after that is still
   * ACKed and BYEd.
   */
  #releaseWhenDone(): void {
    if (this.state !== 'ended' || (this.#uac && !this.#finalReceived)) return;
    this.#link.call = undefined;
    this.release();
  }

  #onProvisional(): void {
    this.#proceeding = true;
    this.#maybeCancel();
  }

  #onProgress(r: PrackableIncomingResponseWithSession): void {
    this.#lastResponse = r;
    this.#onProvisional();
    this.#emitProvisional(r.message);
  }

  #emitProvisional(m: IncomingResponseMessage): void {
    if (this.state !== 'calling' && this.state !== 'early') return;
    this.state = 'early';
    this.emit('provisional', m.statusCode ?? 0, m.reasonPhrase ?? '', sdpOf(m));
  }

  #onAccept(r: AckableIncomingResponseWithSession): void {
    this.#lastResponse = r;
    this.#finalReceived = true;
    try {
      r.ack();
    } catch (err) {
      this.log.warn({ err }, 'sip: ACK not sent');
    }
    this.attachSession(r.session);
    if (this.state === 'ended') {
      // A 2xx that raced our CANCEL (or came after a local hangup): ACK then BYE (RFC 3261 §9.1, §15).
      this.sendBye();
      this.#releaseWhenDone();
      return;
    }
    this.state = 'confirmed';
    this.emit('answered', sdpOf(r.message));
  }

  #onFinal(r: IncomingResponse): void {
    this.#lastResponse = r;
    this.#finalReceived = true;
    const code = r.message.statusCode ?? 0;
    this.#fail(code, r.message.reasonPhrase ?? '');
  }

  #maybeCancel(): void {
    if (!this.#cancelRequested || !this.#proceeding || this.#finalReceived || !this.#uac) return;
    this.#cancelRequested = false;
    try {
      const uac = this.#uac;
      this.inStack(() => uac.cancel());
      this.#ctx.onCancelSent?.(this.#uac);
    } catch (err) {
      this.log.debug({ err }, 'sip: CANCEL not sent');
    }
  }

  #fail(code: number, reason: string): void {
    if (this.state === 'ended') return;
    this.emit('failed', code, reason);
    this.end('failed');
  }

  /** For tests and logs: the INVITE as built (undefined when the URI was unusable). */
  get inviteMessage(): OutgoingRequestMessage | undefined {
    return this.#message;
  }
}

/** The conditions under which sip.js's InviteUserAgentClient turns a 1xx into an early dialog (and onProgress). */
function createsEarlyDialog(message: IncomingResponseMessage): boolean {
  if (!message.toTag) return false;
  try {
    return !!message.parseHeader('contact');
  } catch {
    return false;
  }
}

/** A 2xx for a call already done with its INVITE (another fork answered): ACK it, then BYE (RFC 3261 §13.2.2.4, §15). */
function ackAndBye(r: AckableIncomingResponseWithSession, log: Logger): void {
  try {
    r.ack();
    r.session.bye();
  } catch (err) {
    log.debug({ err }, 'sip: late 2xx not ACKed and BYEd');
  }
}
