import type { Logger } from 'pino';
import type {
  Body,
  IncomingAckRequest,
  IncomingInviteRequest,
  Session,
} from 'sip.js/lib/core/index.js';
import { sipErrors } from './errors.js';
import { dialogRequestDelegate, sdpBody, sdpOf, sendInfoRequest, sendReinvite, type DialogRequestHandlers } from './session-helpers.js';
import type {
  CallEndReason,
  InboundCall,
  InboundCallEvents,
  InboundCallState,
  ReinviteResult,
} from './sip-types.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { Remote } from './transport.js';

export interface InboundCallInit {
  id: string;
  requestUri: string;
  requestUser: string;
  remote: Remote;
  log: Logger;
  /** Our Contact header value (re-INVITEs we send carry it). */
  contact: string;
  onEnded: (call: SipInboundCall) => void;
}

/**
 * An INVITE received from the network, wrapping sip.js's InviteUserAgentServer and, once answered, its session
 * dialog. Events are emitted only until `ended`, which is emitted exactly once, last.
 */
export class SipInboundCall extends TypedEmitter<InboundCallEvents> implements InboundCall {
  readonly direction = 'inbound' as const;
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  readonly requestUser: string;
  readonly remote: Remote;
  readonly remoteSdp: string | undefined;
  #state: InboundCallState = 'incoming';
  readonly #uas: IncomingInviteRequest;
  readonly #log: Logger;
  /** BYE, INFO and re-INVITE in the confirmed dialog (shared with the other direction's call class). */
  readonly #dialogHandlers: DialogRequestHandlers = {
    ended: () => this.#state === 'ended',
    bye: () => {
      this.emit('bye');
      this.#end('bye');
    },
    info: (request) => this.emit('info', request),
    reinvite: (request) => this.emit('reinvite', request),
  };
  readonly #onEnded: (call: SipInboundCall) => void;
  readonly #contact: string;
  #session: Session | undefined;
  /** hangup() while waiting for the ACK: BYE once it comes (or the 2xx times out) — RFC 3261 §15. */
  #byeWhenAcked = false;

  constructor(uas: IncomingInviteRequest, init: InboundCallInit) {
    super(init.log);
    this.#uas = uas;
    this.#log = init.log;
    this.#onEnded = init.onEnded;
    this.#contact = init.contact;
    const m = uas.message;
    this.id = init.id;
    this.callId = m.callId;
    this.from = m.getHeader('from') ?? '';
    this.to = m.getHeader('to') ?? '';
    this.requestUri = init.requestUri;
    this.requestUser = init.requestUser;
    this.remote = init.remote;
    this.remoteSdp = sdpOf(m);
    uas.delegate = {
      onCancel: () => this.#onCancel(),
      onTransportError: () => this.#end('local'),
    };
  }

  get state(): InboundCallState {
    return this.#state;
  }

  header(name: string): string | undefined {
    return this.#uas.message.getHeader(name);
  }

  /**
   * Progress/answer/reject on a call the network already ended (CANCEL raced the flow) are ignored; on a call in
   * the wrong state for them they throw SIP_INVALID_STATE (a programming error).
   */
  #ignoredAfterEnd(what: string): boolean {
    if (this.#state !== 'ended') return false;
    this.#log.debug({ what }, 'sip: ignored on an ended call');
    return true;
  }

  progress(code: 180 | 183, sdp?: string): void {
    if (this.#ignoredAfterEnd('progress')) return;
    if (this.#state !== 'incoming' && this.#state !== 'early') throw sipErrors.invalidState('progress', this.#state);
    // No offer in the INVITE: an SDP in a 1xx would be our offer, allowed only in a reliable provisional (RFC 3262).
    const body: Body | undefined = sdp === undefined || this.remoteSdp === undefined ? undefined : sdpBody(sdp);
    this.#uas.progress({ statusCode: code, ...(body ? { body } : {}) });
    this.#state = 'early';
  }

  answer(sdp: string): void {
    if (this.#ignoredAfterEnd('answer')) return;
    if (this.#state !== 'incoming' && this.#state !== 'early') throw sipErrors.invalidState('answer', this.#state);
    const { session } = this.#uas.accept({ statusCode: 200, body: sdpBody(sdp) });
    this.#session = session;
    this.#state = 'answered';
    session.delegate = {
      onAck: (req: IncomingAckRequest) => this.#onAck(sdpOf(req.message)),
      onAckTimeout: () => this.#onAckTimeout(),
      ...dialogRequestDelegate(this.#dialogHandlers, this.#log),
    };
  }

  reject(code: number, reason?: string): void {
    if (this.#ignoredAfterEnd('reject')) return;
    if (this.#state !== 'incoming' && this.#state !== 'early') throw sipErrors.invalidState('reject', this.#state);
    if (code < 300 || code > 699) throw sipErrors.invalidState(`reject(${code})`, this.#state);
    this.#uas.reject({ statusCode: code, ...(reason ? { reasonPhrase: reason } : {}) });
    this.#end('local');
  }

  hangup(code?: number): void {
    switch (this.#state) {
      case 'incoming':
      case 'early':
        this.reject(code ?? 480);
        return;
      case 'answered':
        this.#byeWhenAcked = true;
        this.#end('local');
        return;
      case 'confirmed':
        this.#bye();
        this.#end('local');
        return;
      case 'ended':
        return;
    }
  }

  reinvite(sdp: string): Promise<ReinviteResult> {
    return sendReinvite(this.#confirmedSession('reinvite'), sdp, this.#contact, this.#log);
  }

  sendInfo(contentType: string, body: string): Promise<number> {
    return sendInfoRequest(this.#confirmedSession('sendInfo'), contentType, body, this.#log);
  }

  #confirmedSession(what: string): Session {
    if (this.#state !== 'confirmed' || !this.#session) throw sipErrors.invalidState(what, this.#state);
    return this.#session;
  }

  /** Stack shutdown: forget the call without signalling. */
  shutdown(): void {
    this.#end('shutdown');
  }

  #onCancel(): void {
    if (this.#state !== 'incoming' && this.#state !== 'early') return;
    // The core has already answered 200 to the CANCEL; the INVITE gets 487 (RFC 3261 §9.2).
    try {
      this.#uas.reject({ statusCode: 487 });
    } catch (err) {
      this.#log.debug({ err }, 'sip: 487 after CANCEL not sent');
    }
    this.emit('cancelled');
    this.#end('cancel');
  }

  #onAck(sdp: string | undefined): void {
    if (this.#byeWhenAcked) {
      this.#byeWhenAcked = false;
      this.#bye();
      return;
    }
    if (this.#state !== 'answered') return;
    this.#state = 'confirmed';
    this.emit('acked', sdp);
  }

  #onAckTimeout(): void {
    this.#bye();
    if (this.#state === 'ended') return;
    this.emit('ackTimeout');
    this.#end('ack-timeout');
  }

  #bye(): void {
    const session = this.#session;
    if (!session) return;
    try {
      session.bye();
    } catch (err) {
      this.#log.debug({ err }, 'sip: BYE not sent');
    }
  }

  #end(reason: CallEndReason): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#log.debug({ reason }, 'sip: inbound call ended');
    this.#onEnded(this);
    this.emit('ended', reason);
  }
}
