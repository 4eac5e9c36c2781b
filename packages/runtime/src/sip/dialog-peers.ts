/**
 * Who may send requests inside our calls' dialogs (docs/security.md). RFC 3261 §12.2.2 matches an in-dialog request
 * by Call-ID and tags only, so anyone who has read them (a leaked trace) could end a call with a BYE, type DTMF with
 * INFO or move its media with a re-INVITE. We take them only from the IP addresses the dialog's signalling already
 * came from, and the peer's own address: for a call we received, the INVITE's source (the caller, or the proxy that
 * record-routes it) and the host of its Contact (a caller reached through a proxy that does not record-route sends
 * its BYE straight from there); for a call we placed, the sources of the responses to our INVITE (the callee, or its
 * proxy) and the hosts of their Contacts. Contact hosts count when they are IP literals (a name is not resolved
 * here). The port is not compared: a peer re-opening its TCP connection, or a NAT binding renewed, keeps its IP but
 * not its port.
 */
import { isIP } from 'node:net';

/** 'peer': only from the dialog's peer IPs (default); 'any': whoever matches Call-ID and tags (a proxy cluster). */
export type DialogSourcePolicy = 'peer' | 'any';

export class DialogPeers {
  readonly #byCallId = new Map<string, Set<string>>();

  /** A call of ours, and where its INVITE came from (none yet for a call we place): source IP and Contact value. */
  track(callId: string, address?: string, contact?: string): void {
    if (!callId) return;
    const peers = new Set<string>();
    this.#byCallId.set(callId, peers);
    if (address) add(peers, address, contact);
  }

  /** A response to our INVITE of `callId` came from `address` with this Contact: the dialog is with that peer. */
  answeredFrom(callId: string, address: string, contact?: string): void {
    const peers = this.#byCallId.get(callId);
    if (peers) add(peers, address, contact);
  }

  forget(callId: string): void {
    this.#byCallId.delete(callId);
  }

  /** Whether a request of `callId`'s dialog may come from `address` (true for a Call-ID not ours). */
  allows(callId: string, address: string): boolean {
    const peers = this.#byCallId.get(callId);
    return peers === undefined || peers.has(address);
  }

  get size(): number {
    return this.#byCallId.size;
  }
}

function add(peers: Set<string>, address: string, contact: string | undefined): void {
  peers.add(address);
  const host = contact === undefined ? undefined : contactHost(contact);
  if (host !== undefined) peers.add(host);
}

/** The host of a Contact value's SIP URI when it is an IP literal ('<sip:bob@192.0.2.1:5060>' → '192.0.2.1'). */
export function contactHost(contact: string): string | undefined {
  const m = /sips?:(?:[^@>;]*@)?(\[[^\]]+\]|[^:;>\s]+)/i.exec(contact);
  const host = m?.[1]?.replace(/^\[|\]$/g, '');
  return host !== undefined && isIP(host) ? host : undefined;
}
