import {
  InviteUserAgentClient,
  type DigestAuthentication,
  type Dialog,
  type IncomingResponseMessage,
  type OutgoingInviteRequestDelegate,
  type OutgoingRequestMessage,
  type UserAgentCore,
} from 'sip.js/lib/core/index.js';
import { withCallCredentials } from './call-credentials.js';

export interface InviteClientOptions {
  /** Every response to the INVITE (also after a digest retry swapped the transaction), before sip.js's UAC sees it. */
  onResponse: (message: IncomingResponseMessage) => void;
  /** What a 401/407 is answered with; without, a challenge is a final failure. */
  credentials?: DigestAuthentication | undefined;
}

/**
 * sip.js's INVITE client (what `core.invite()` builds), built by us so that it can be extended through its protected
 * methods: responses are seen before sip.js handles them (it drops a 1xx that cannot make an early dialog before any
 * delegate hears of it), and a challenge is answered with this call's credentials (see call-credentials.ts).
 */
export class SipInviteClient extends InviteUserAgentClient {
  readonly #options: InviteClientOptions;

  constructor(core: UserAgentCore, message: OutgoingRequestMessage, delegate: OutgoingInviteRequestDelegate, options: InviteClientOptions) {
    // sip.js's constructor sends the INVITE; responses arrive later, on the transport's callback.
    super(core, message, delegate);
    this.#options = options;
  }

  protected override receiveResponse(message: IncomingResponseMessage): void {
    this.#options.onResponse(message);
    super.receiveResponse(message);
  }

  /**
   * RFC 3261 §9.1: with no final response 64*T1 after our CANCEL, the INVITE transaction is considered cancelled and
   * destroyed. sip.js's INVITE client transaction has no timer in Proceeding and ends only on a response or a
   * transport error, so the client takes itself out of the core's table of client transactions and disposes of
   * itself (the transaction's timers, its early dialogs): nothing of sip.js holds it any more.
   */
  giveUp(): void {
    for (const [id, client] of this.core.userAgentClients) if (client === this) this.core.userAgentClients.delete(id);
    this.dispose();
  }

  protected override authenticationGuard(message: IncomingResponseMessage, dialog?: Dialog): boolean {
    const credentials = this.#options.credentials;
    if (!credentials) return super.authenticationGuard(message, dialog);
    return withCallCredentials(credentials, () => super.authenticationGuard(message, dialog));
  }
}
