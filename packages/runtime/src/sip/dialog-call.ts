import type { Logger } from 'pino';
import type { Session, SessionDelegate } from 'sip.js/lib/core/index.js';
import { sipErrors } from './errors.js';
import { dialogRequestDelegate, sendInfoRequest, sendReinvite, type DialogRequestHandlers } from './session-helpers.js';
import type { CallDirection, CallEndReason, InDialogRequests, InfoRequest, ReinviteRequest, ReinviteResult } from './sip-types.js';
import type { StackScope } from './timer-scope.js';
import { TypedEmitter } from '../util/typed-emitter.js';

/** The events both directions emit for their confirmed dialog, and at their end. */
export type DialogCallEvents = {
  bye: [];
  info: [request: InfoRequest];
  reinvite: [request: ReinviteRequest];
  ended: [reason: CallEndReason];
};

/**
 * What an inbound and an outbound call have in common once the dialog is confirmed, whoever set it up: the sip.js
 * Session, the requests inside it both ways (BYE/INFO/re-INVITE received, re-INVITE/INFO sent), BYE, and the end
 * of the call (`ended` exactly once, last). How the dialog comes to be (answering an INVITE, or sending one) stays
 * in the subclass.
 *
 * `State` is the subclass's state union; every call ends in 'ended', and only a 'confirmed' call sends in-dialog
 * requests.
 */
export abstract class DialogCall<Events extends DialogCallEvents & { [K in keyof Events]: unknown[] }, State extends string>
  extends TypedEmitter<Events>
  implements InDialogRequests
{
  abstract readonly direction: CallDirection;
  protected readonly log: Logger;
  /**
   * Runs what makes sip.js send as work of the call's stack, so that the timeouts it arms are the stack's
   * (timer-scope.ts): a flow may call the call's methods from a media or admin event, outside any stack's work.
   */
  protected readonly inStack: StackScope;
  /** Our Contact header value (re-INVITEs we send carry it). */
  protected abstract readonly contact: string;
  #state: State | 'ended';
  #session: Session | undefined;
  readonly #onEnded: () => void;
  readonly #dialogHandlers: DialogRequestHandlers = {
    ended: () => this.#state === 'ended',
    bye: () => {
      this.#emit('bye');
      this.end('bye');
    },
    info: (request) => this.#emit('info', request),
    reinvite: (request) => this.#emit('reinvite', request),
  };

  /** `onEnded` runs when the call ends, before `ended` is emitted (the stack forgets the call). */
  constructor(log: Logger, initial: State, onEnded: () => void, inStack: StackScope) {
    super(log);
    this.log = log;
    this.inStack = inStack;
    this.#state = initial;
    this.#onEnded = onEnded;
  }

  get state(): State | 'ended' {
    return this.#state;
  }

  protected set state(state: State | 'ended') {
    this.#state = state;
  }

  reinvite(sdp: string): Promise<ReinviteResult> {
    const session = this.#confirmedSession('reinvite');
    const { contact, log } = this;
    return this.inStack(() => sendReinvite(session, sdp, contact, log));
  }

  sendInfo(contentType: string, body: string): Promise<number> {
    const session = this.#confirmedSession('sendInfo');
    const log = this.log;
    return this.inStack(() => sendInfoRequest(session, contentType, body, log));
  }

  /** Stack shutdown: forget the call without signalling. */
  shutdown(): void {
    this.end('shutdown');
  }

  /** The watchdog found the call silent past its timers, with no transaction alive: forget it (and its dialog). */
  expire(): void {
    if (this.#state === 'ended') return;
    this.dropSession();
    this.end('watchdog');
  }

  /**
   * The dialog's session, once there is one: BYE, INFO and re-INVITE received in it go to the call's events;
   * `delegate` adds the subclass's own handlers (e.g. the ACK of our 2xx).
   */
  protected attachSession(session: Session, delegate: SessionDelegate = {}): void {
    this.#session = session;
    session.delegate = { ...delegate, ...dialogRequestDelegate(this.#dialogHandlers, this.log, this.inStack) };
  }

  /** BYE in the dialog, if there is one; a failure to send is only logged (the call ends anyway). */
  protected sendBye(): void {
    const session = this.#session;
    if (!session) return;
    try {
      this.inStack(() => session.bye());
    } catch (err) {
      this.log.debug({ err }, 'sip: BYE not sent');
    }
  }

  /**
   * Forget the dialog without a BYE: its peer cannot be reached any more (the WebSocket it came on closed). The
   * core's dialog is disposed so that nothing of it stays behind.
   */
  protected dropSession(): void {
    const session = this.#session;
    this.#session = undefined;
    try {
      session?.dispose();
    } catch (err) {
      this.log.debug({ err }, 'sip: dialog not disposed');
    }
  }

  /**
   * The call has no more signalling to do: take back the handlers it gave sip.js. sip.js's objects outlive the call
   * by design (an INVITE transaction waits 64*T1 after a 2xx for retransmissions; the user agent keeps the dialog to
   * re-ACK them), and our handlers would keep the whole call (its messages, SDP and session) alive that long: at
   * 20 calls/s, about a thousand ended calls at any time. sip.js's own defaults answer what may still come (200 to a
   * BYE, 488 to a re-INVITE). Subclasses call it once nothing they wait for (an ACK, a final response) is pending.
   */
  protected release(): void {
    if (this.#session) this.#session.delegate = undefined;
  }

  /** End the call for the layer above: once; `ended` is the last event. */
  protected end(reason: CallEndReason): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.log.debug({ reason }, `sip: ${this.direction} call ended`);
    this.#onEnded();
    this.#emit('ended', reason);
    // `ended` is the last event. sip.js keeps a finished INVITE client transaction (and its user agent client, which
    // holds this call) for 64*T1 after a 2xx, to absorb retransmissions: without listeners, that no longer pins the
    // leg, its flow actor and its media stream for 32 s after every answered-then-dropped callee.
    this.removeAllListeners();
  }

  #confirmedSession(what: string): Session {
    if (this.#state !== 'confirmed' || !this.#session) throw sipErrors.invalidState(what, this.#state);
    return this.#session;
  }

  /**
   * `emit` of the events every call has: while `Events` is a type parameter TypeScript cannot see that
   * `Events['bye']` is `[]`, so the one cast lives here.
   */
  #emit<K extends keyof DialogCallEvents>(event: K, ...args: DialogCallEvents[K]): void {
    (this as DialogCall<DialogCallEvents, State>).emit(event, ...args);
  }
}
