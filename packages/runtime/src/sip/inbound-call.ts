import type { Logger } from 'pino';
import type { Body, IncomingAckRequest, IncomingInviteRequest } from 'sip.js/lib/core/index.js';
import { DialogCall } from './dialog-call.js';
import { sipErrors } from './errors.js';
import { sdpBody, sdpOf } from './session-helpers.js';
import type { CallEndReason, InboundCall, InboundCallEvents, InboundCallState } from './sip-types.js';
import type { ResponseTag } from './response-tag.js';
import type { StackScope } from './timer-scope.js';
import type { Remote } from './transport.js';

export interface InboundCallInit {
  id: string;
  requestUri: string;
  requestUser: string;
  remote: Remote;
  log: Logger;
  /** Our Contact header value (re-INVITEs we send carry it). */
  contact: string;
  /** The call has ended (called before its `ended` event). */
  onEnded: () => void;
  /** Our 2xx to the INVITE was sent (true), and its ACK came or will not (false): what a drain waits for. */
  onAckWait: (waiting: boolean) => void;
  /** The To tag of our responses, shared with the stack (its 200 to a CANCEL carries it). */
  responseTag: ResponseTag;
  /** The stack's scope: what makes sip.js send runs in it (see `DialogCall.inStack`). */
  inStack: StackScope;
}

/**
 * An INVITE received from the network, wrapping sip.js's InviteUserAgentServer and, once answered, its session
 * dialog (the confirmed dialog's requests, BYE and the end are `DialogCall`'s). Events are emitted only until
 * `ended`, which is emitted exactly once, last.
 */
export class SipInboundCall extends DialogCall<InboundCallEvents, InboundCallState> implements InboundCall {
  readonly direction = 'inbound' as const;
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  readonly requestUser: string;
  readonly remote: Remote;
  readonly remoteSdp: string | undefined;
  protected readonly contact: string;
  readonly #uas: IncomingInviteRequest;
  /** hangup() while waiting for the ACK: BYE once it comes (or the 2xx times out) — RFC 3261 §15. */
  #byeWhenAcked = false;
  readonly #responseTag: ResponseTag;
  readonly #onAckWait: (waiting: boolean) => void;
  #ackWait = false;

  constructor(uas: IncomingInviteRequest, init: InboundCallInit) {
    super(init.log, 'incoming', init.onEnded, init.inStack);
    this.#uas = uas;
    this.#onAckWait = init.onAckWait;
    this.#responseTag = init.responseTag;
    this.contact = init.contact;
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
      onTransportError: () => this.end('local'),
    };
  }

  protected override end(reason: CallEndReason): void {
    super.end(reason);
    this.#releaseWhenDone();
  }

  /** Ended, and no ACK awaited for a BYE: sip.js's INVITE transaction (kept 64*T1) no longer holds this call. */
  #releaseWhenDone(): void {
    if (this.state !== 'ended' || this.#byeWhenAcked) return;
    // sip.js will not tell us of an ACK any more: whatever the dialog waits for, no drain waits for it.
    this.#setAckWait(false);
    this.#uas.delegate = undefined;
    this.release();
  }

  header(name: string): string | undefined {
    return this.#uas.message.getHeader(name);
  }

  #setAckWait(waiting: boolean): void {
    if (this.#ackWait === waiting) return;
    this.#ackWait = waiting;
    this.#onAckWait(waiting);
  }

  /**
   * Progress/answer/reject on a call the network already ended (CANCEL raced the flow) are ignored; on a call in
   * the wrong state for them they throw SIP_INVALID_STATE (a programming error).
   */
  #ignoredAfterEnd(what: string): boolean {
    if (this.state !== 'ended') return false;
    this.log.debug({ what }, 'sip: ignored on an ended call');
    return true;
  }

  progress(code: 180 | 183, sdp?: string): void {
    if (this.#ignoredAfterEnd('progress')) return;
    if (this.state !== 'incoming' && this.state !== 'early') throw sipErrors.invalidState('progress', this.state);
    // No offer in the INVITE: an SDP in a 1xx would be our offer, allowed only in a reliable provisional (RFC 3262).
    const body: Body | undefined = sdp === undefined || this.remoteSdp === undefined ? undefined : sdpBody(sdp);
    const { session } = this.inStack(() => this.#uas.progress({ statusCode: code, ...(body ? { body } : {}) }));
    this.#responseTag.learn(session.localTag);
    this.state = 'early';
  }

  answer(sdp: string): void {
    if (this.#ignoredAfterEnd('answer')) return;
    if (this.state !== 'incoming' && this.state !== 'early') throw sipErrors.invalidState('answer', this.state);
    const { session } = this.inStack(() => this.#uas.accept({ statusCode: 200, body: sdpBody(sdp) }));
    this.#responseTag.learn(session.localTag);
    this.#setAckWait(true);
    this.attachSession(session, {
      onAck: (req: IncomingAckRequest) => this.#onAck(sdpOf(req.message)),
      onAckTimeout: () => this.#onAckTimeout(),
    });
    this.state = 'answered';
  }

  reject(code: number, reason?: string, headers?: string[]): void {
    if (this.#ignoredAfterEnd('reject')) return;
    if (this.state !== 'incoming' && this.state !== 'early') throw sipErrors.invalidState('reject', this.state);
    if (code < 300 || code > 699) throw sipErrors.invalidState(`reject(${code})`, this.state);
    this.inStack(() =>
      this.#uas.reject({
        statusCode: code,
        toTag: this.#responseTag.value,
        ...(reason ? { reasonPhrase: reason } : {}),
        ...(headers?.length ? { extraHeaders: headers } : {}),
      }),
    );
    this.end('local');
  }

  hangup(code?: number): void {
    switch (this.state) {
      case 'incoming':
      case 'early':
        this.reject(code ?? 480);
        return;
      case 'answered':
        this.#byeWhenAcked = true;
        this.end('local');
        return;
      case 'confirmed':
        this.sendBye();
        this.end('local');
        return;
      case 'ended':
        return;
    }
  }

  /**
   * The connection the call came on is gone (a WebSocket client went away): nothing can reach the peer any more.
   * Before the answer the INVITE transaction is ended with a 480 (that fails to send, which ends it at once); after,
   * the dialog is dropped without a BYE.
   */
  connectionLost(): void {
    if (this.state === 'ended') return;
    if (this.state === 'incoming' || this.state === 'early') {
      try {
        this.inStack(() => this.#uas.reject({ statusCode: 480, toTag: this.#responseTag.value }));
      } catch (err) {
        this.log.debug({ err }, 'sip: 480 after connection loss not sent');
      }
    } else {
      this.dropSession();
    }
    this.end('connection-lost');
  }

  #onCancel(): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    // The core has already answered 200 to the CANCEL; the INVITE gets 487 (RFC 3261 §9.2).
    try {
      this.#uas.reject({ statusCode: 487, toTag: this.#responseTag.value });
    } catch (err) {
      this.log.debug({ err }, 'sip: 487 after CANCEL not sent');
    }
    this.emit('cancelled');
    this.end('cancel');
  }

  #onAck(sdp: string | undefined): void {
    this.#setAckWait(false);
    if (this.#byeWhenAcked) {
      this.#byeWhenAcked = false;
      this.sendBye();
      this.#releaseWhenDone();
      return;
    }
    if (this.state !== 'answered') return;
    this.state = 'confirmed';
    this.emit('acked', sdp);
  }

  #onAckTimeout(): void {
    this.#setAckWait(false);
    this.#byeWhenAcked = false;
    this.sendBye();
    if (this.state === 'ended') {
      this.#releaseWhenDone();
      return;
    }
    this.emit('ackTimeout');
    this.end('ack-timeout');
  }
}
