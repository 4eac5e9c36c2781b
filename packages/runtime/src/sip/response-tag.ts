import { randomToken } from './wire.js';

/**
 * The To tag of an INVITE's responses. sip.js's server picks one and keeps it protected; the call learns it from its
 * own 1xx/2xx, or, before any, this picks one that the call then gives its final answer. The stack's 200 to a CANCEL
 * carries it (RFC 3261 §9.2: the same tag as the 487). The stack keeps this by sip.js's server object, which sip.js
 * holds for 64*T1: it holds only the tag, never the call.
 */
export class ResponseTag {
  #tag: string | undefined;

  learn(tag: string): void {
    this.#tag = tag;
  }

  get value(): string {
    this.#tag ??= randomToken(10);
    return this.#tag;
  }
}
