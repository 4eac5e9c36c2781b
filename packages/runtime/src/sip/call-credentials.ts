import { AsyncLocalStorage } from 'node:async_hooks';
import { DigestAuthentication, type LoggerFactory, type OutgoingRequestMessage } from 'sip.js/lib/core/index.js';
import type { SipCredentials } from './sip-types.js';

/**
 * sip.js's UAC answers a 401/407 with credentials it asks the core's configuration for (`authenticationFactory()`, no
 * argument), and keeps them in a private field; our credentials are per call. So the call's INVITE client
 * (invite-client.ts) runs sip.js's challenge handling inside `withCallCredentials`, and the stack's
 * `authenticationFactory` is `callCredentials`: it hands sip.js the credentials of the call being challenged, and
 * nothing outside that synchronous step.
 */
const challenged = new AsyncLocalStorage<DigestAuthentication>();

export function withCallCredentials<T>(credentials: DigestAuthentication, run: () => T): T {
  return challenged.run(credentials, run);
}

/** The stack's `authenticationFactory`: the credentials of the call whose challenge sip.js is answering now, if any. */
export function callCredentials(): DigestAuthentication | undefined {
  return challenged.getStore();
}

/** Digest credentials that answer only a challenge of their realm, when one is given. */
export class CallDigest extends DigestAuthentication {
  readonly #realm: string | undefined;

  constructor(loggerFactory: LoggerFactory, credentials: SipCredentials) {
    super(loggerFactory, undefined, credentials.username, credentials.password);
    this.#realm = credentials.realm;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sip.js's signature: the parsed challenge header
  override authenticate(request: OutgoingRequestMessage, challenge: any, body?: string): boolean {
    if (this.#realm !== undefined && (challenge as { realm?: string } | undefined)?.realm !== this.#realm) return false;
    return super.authenticate(request, challenge, body);
  }
}
