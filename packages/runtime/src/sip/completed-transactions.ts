import {
  Grammar,
  InviteClientTransaction,
  InviteServerTransaction,
  NameAddrHeader,
  NonInviteServerTransaction,
  TransactionState,
  type IncomingResponseMessage,
  type OutgoingRequestMessage,
  type UserAgentCore,
} from 'sip.js/lib/core/index.js';
import { detachedString } from '../util/index.js';
import { firstHeader, randomToken } from './wire.js';

/**
 * What is left of a transaction once it only absorbs retransmissions, instead of the whole of it.
 *
 * After its final response a transaction waits 64·T1 (32 s on UDP) for repeats: Timer L (INVITE server, 2xx sent,
 * RFC 6026), Timer M (INVITE client, 2xx received) and Timer J (non-INVITE server). sip.js keeps the whole user
 * agent that long: the parsed request and responses, the dialogs, the delegates. That is ≈ 30 KB per finished call,
 * so ≈ 100 MB of heap at 100 calls/s. What a repeat needs is a few strings, so `retire`, called every `everyMs`, ends such
 * transactions early (through sip.js's own timer handlers, as if the timer had fired) and keeps this instead, for
 * 64·T1 from then (so at most `everyMs` longer than sip.js would have):
 * - INVITE server, 2xx sent, its call over: the INVITE again or an ACK is absorbed; a CANCEL gets 200 (§9.2).
 * - Non-INVITE server, final response sent: the request again gets that response again (§17.2.2).
 * - INVITE client, 2xx received, its call over: a 2xx again gets its ACK again (§13.2.2.4); a 2xx of another fork
 *   gets an ACK and a BYE (§15), whose own answer is then absorbed here too.
 * A call still up keeps its INVITE transactions as sip.js has them: its dialog works through them.
 */
export class CompletedTransactions {
  /** In the order kept, so in the order they expire. Ages count `retire` calls: no clock is read. */
  readonly #kept = new Map<string, { residue: Residue; until: number }>();
  readonly #lifetime: number;
  #age = 0;

  constructor(
    lifetimeMs: number,
    everyMs: number,
    private readonly send: (text: string) => void,
  ) {
    this.#lifetime = Math.ceil(lifetimeMs / everyMs);
  }

  /**
   * Ends every transaction of `core` that only waits for repeats (INVITE ones only when their call is over,
   * `callLive` false) and keeps its residue.
   */
  retire(core: UserAgentCore, callLive: (callId: string) => boolean): void {
    this.#age++;
    for (const [key, kept] of this.#kept) {
      if (kept.until > this.#age) break;
      this.#kept.delete(key);
    }
    for (const [key, uas] of core.userAgentServers) {
      const t = uas.transaction;
      const inner = privates(t);
      if (t instanceof NonInviteServerTransaction && t.state === TransactionState.Completed && inner.lastResponse) {
        this.#keep(key, { kind: 'non-invite-server', response: detachedString(inner.lastResponse) });
        inner.timerJ?.();
      } else if (t instanceof InviteServerTransaction && t.state === TransactionState.Accepted && !callLive(uas.message.callId)) {
        const ok = inner.lastFinalResponse;
        const toTag = ok ? /;\s*tag=([^;>\s]+)/i.exec(firstHeader(ok, 'to') ?? '')?.[1] : undefined;
        this.#keep(key, { kind: 'invite-server', toTag: toTag === undefined ? undefined : detachedString(toTag) });
        inner.timerL?.();
      }
    }
    for (const [key, uac] of core.userAgentClients) {
      const t = uac.transaction;
      if (!(t instanceof InviteClientTransaction) || t.state !== TransactionState.Accepted || callLive(uac.message.callId)) continue;
      const inner = privates(t);
      const acks = new Map<string, string>();
      for (const [toTag, ack] of inner.ackRetransmissionCache ?? []) acks.set(detachedString(toTag), ack ? detachedString(ack.toString()) : '');
      this.#keep(key, { kind: 'invite-client', acks, dialog: forkBasis(uac.message) });
      inner.timerM?.();
    }
  }

  /**
   * A request (`key` as `serverTransactionKey` makes it) for a transaction retired here: true when it was dealt
   * with (answered again or absorbed), false when it is not ours.
   */
  request(key: string, method: string): boolean {
    const residue = this.#get(key);
    if (residue?.kind === 'non-invite-server') {
      if (method !== 'ACK') this.send(residue.response);
      return true;
    }
    return residue?.kind === 'invite-server';
  }

  /** The INVITE a CANCEL names, if it was answered 2xx and retired here: the To tag of that 2xx. */
  answeredInvite(key: string): { toTag: string | undefined } | undefined {
    const residue = this.#get(key);
    return residue?.kind === 'invite-server' ? { toTag: residue.toTag } : undefined;
  }

  /** A response for a client transaction retired here: true when it was dealt with, false when it is not ours. */
  response(message: IncomingResponseMessage, core: UserAgentCore): boolean {
    const residue = this.#get(message.viaBranch + message.method);
    if (!residue) return false;
    if (residue.kind !== 'invite-client') return residue.kind === 'bye-client';
    const code = message.statusCode ?? 0;
    const toTag = message.toTag;
    if (code < 200 || code > 299 || !toTag) return true; // a late 1xx or failure: nothing left to do
    const ack = residue.acks.get(toTag);
    if (ack === undefined) this.#endFork(residue, message, toTag, core);
    else if (ack) this.send(ack);
    return true;
  }

  /** Residues kept now (for leak checks). */
  get size(): number {
    return this.#kept.size;
  }

  #keep(key: string, residue: Residue): void {
    this.#kept.set(detachedString(key), { residue, until: this.#age + this.#lifetime });
  }

  #get(key: string): Residue | undefined {
    return this.#kept.get(key)?.residue;
  }

  /** A 2xx from a fork we never talked to: confirm its dialog with an ACK, then end it with a BYE. */
  #endFork(residue: InviteClientResidue, message: IncomingResponseMessage, toTag: string, core: UserAgentCore): void {
    const contact = message.parseHeader('contact') as unknown;
    const from = Grammar.URIParse(residue.dialog.from);
    const to = Grammar.URIParse(residue.dialog.to);
    if (!(contact instanceof NameAddrHeader) || !from || !to) return;
    const { callId, fromTag, cseq } = residue.dialog;
    const options = { callId, fromTag, toTag, routeSet: message.getHeaders('record-route').reverse() };
    const ack = core.makeOutgoingRequestMessage('ACK', contact.uri, from, to, { ...options, cseq });
    ack.setViaHeader(`z9hG4bK${randomToken(12)}`, core.transport.protocol);
    const ackText = ack.toString();
    residue.acks.set(detachedString(toTag), ackText);
    this.send(ackText);
    const bye = core.makeOutgoingRequestMessage('BYE', contact.uri, from, to, { ...options, cseq: cseq + 1 });
    const branch = `z9hG4bK${randomToken(12)}`;
    bye.setViaHeader(branch, core.transport.protocol);
    this.#keep(branch + 'BYE', { kind: 'bye-client' });
    this.send(bye.toString());
  }
}

/** What an INVITE's dialogs are built from: enough to ACK and BYE a 2xx of another fork. */
interface ForkBasis {
  callId: string;
  cseq: number;
  fromTag: string;
  from: string;
  to: string;
}

interface InviteClientResidue {
  kind: 'invite-client';
  /** ACK text by the To tag of the 2xx it confirms ('' while none was sent). */
  acks: Map<string, string>;
  dialog: ForkBasis;
}

type Residue =
  | { kind: 'invite-server'; toTag: string | undefined }
  | { kind: 'non-invite-server'; response: string }
  | InviteClientResidue
  | { kind: 'bye-client' };

/**
 * sip.js members its typings keep private, used here: each transaction's own timer handler ends it the way that
 * timer would (the agent leaves the core's table, state listeners run), and the texts a repeat needs.
 */
interface SipJsPrivates {
  timerL?(): void;
  timerM?(): void;
  timerJ?(): void;
  lastResponse?: string;
  lastFinalResponse?: string;
  ackRetransmissionCache?: Map<string, OutgoingRequestMessage | undefined>;
}

function privates(transaction: object): SipJsPrivates {
  return transaction as SipJsPrivates;
}

function forkBasis(invite: OutgoingRequestMessage): ForkBasis {
  return {
    callId: detachedString(invite.callId),
    cseq: invite.cseq,
    fromTag: detachedString(invite.fromTag),
    from: detachedString(invite.from.uri.toString()),
    to: detachedString(invite.to.uri.toString()),
  };
}
