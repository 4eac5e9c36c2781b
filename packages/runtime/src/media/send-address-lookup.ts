/**
 * The address lookup of our RTP/RTCP sockets. dgram passes the address of every send on an unconnected socket through
 * its lookup, by default dns.lookup: for an IP literal that is still a regular-expression check and a deferral of
 * the send to the next tick, per packet (3–5 % of a media worker's busy time in profiles at 500 bridged calls). A
 * stream sends to the one address its SDP named (an IPv4 literal: sdp-negotiator.ts refuses anything else), so once
 * the socket is bound each lookup answers an IPv4 literal at once (the last one from a memo), and the packet leaves
 * inside `send()`.
 * Before `arm()` — during the bind, whose 'listening' event callers expect after `bind()` returns — and for anything
 * that is not an IPv4 literal, it is dns.lookup.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIPv4 } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** One per socket: `createSocket({ type: 'udp4', lookup: l.lookup })`, then `l.arm()` once it is bound (bindMediaSocket). */
export class SendAddressLookup {
  #armed = false;
  #known = '';

  /** Answer IPv4 literals at once from now on. */
  arm(): void {
    this.#armed = true;
  }

  readonly lookup = (hostname: string, options: LookupOneOptions | number, callback: LookupCallback): void => {
    if (this.#armed) {
      if (hostname === this.#known) return callback(null, hostname, 4);
      if (isIPv4(hostname)) {
        this.#known = hostname;
        return callback(null, hostname, 4);
      }
    }
    dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
  };
}

/** A UDP socket for media, bound to `host:port` (0: any free port), its sends answered by an armed SendAddressLookup. */
export function bindMediaSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const addressing = new SendAddressLookup();
    const sock = createSocket({ type: 'udp4', lookup: addressing.lookup });
    const onError = (err: Error) => {
      sock.close();
      reject(err);
    };
    sock.once('error', onError);
    sock.bind({ port, address: host, exclusive: true }, () => {
      sock.off('error', onError);
      addressing.arm();
      resolve(sock);
    });
  });
}
