import { detachedString } from '../util/index.js';

/**
 * The CANCELs we answered 200, so that a retransmission of one gets the same 200 again. RFC 3261 §9.2: a CANCEL is
 * a transaction of its own, a non-INVITE server transaction that absorbs its retransmissions (re-sending its final
 * response) until Timer J, 64·T1 on UDP. The stack answers CANCELs itself (sip-stack.ts #onCancel); without this a
 * CANCEL whose 200 was lost, retransmitted after its INVITE's transaction had ended (Timer I, T4 after the ACK of
 * our 487), found no INVITE and got 481.
 *
 * Keyed by the CANCEL's own transaction key (branch + sent-by + source + method, `serverTransactionKey`); the value
 * is the To tag of the 200. Two generations swapped every 64·T1, so an answer is kept 64·T1 to 128·T1 without a
 * timer per entry.
 */
export class CancelAnswers {
  #now = new Map<string, string>();
  #before = new Map<string, string>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(lifetimeMs: number) {
    this.#timer = setInterval(() => {
      this.#before = this.#now;
      this.#now = new Map();
    }, lifetimeMs);
    this.#timer.unref();
  }

  /** The To tag of the 200 this CANCEL got, if we answered it within the last 64·T1. */
  toTagOf(cancelKey: string): string | undefined {
    return this.#now.get(cancelKey) ?? this.#before.get(cancelKey);
  }

  answered(cancelKey: string, toTag: string): void {
    // Copies: the key's parts were cut from the message text, which must not stay alive for 128·T1.
    this.#now.set(detachedString(cancelKey), detachedString(toTag));
  }

  /** Answers kept now (for leak checks). */
  get size(): number {
    return this.#now.size + this.#before.size;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#now.clear();
    this.#before.clear();
  }
}
