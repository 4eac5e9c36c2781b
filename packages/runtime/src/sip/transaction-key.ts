import type { IncomingRequestMessage } from 'sip.js/lib/core/index.js';
import type { Remote } from './transport.js';

const MAGIC_COOKIE = 'z9hG4bK';

/**
 * The server transaction a request belongs to, as the key sip.js's core files it under (its `viaBranch`).
 *
 * RFC 3261 §17.2.3: a request matches a transaction by branch AND the top Via's sent-by AND method (ACK counting as
 * INVITE); sip.js matches on the branch alone, so a stranger copying a branch could CANCEL or ACK someone else's
 * INVITE, and a new INVITE reusing a branch was absorbed as a retransmission. The key also carries the transport
 * and source address the request came from: a CANCEL or ACK comes from where its INVITE came from (§9.1, §17.1.1.3),
 * and a stranger elsewhere who copies the whole Via still finds no transaction. The port is left out (a client may
 * send from another socket; one behind a NAT may even change port).
 *
 * Without a magic-cookie branch (RFC 2543 clients), the fallback of §17.2.3: Request-URI, From tag, Call-ID, CSeq
 * number and the top Via identify the transaction (To tag left out: an INVITE has none, its ACK has ours).
 *
 * `as` matches the request against another method's transactions (a CANCEL looks for the INVITE it cancels).
 */
export function serverTransactionKey(message: IncomingRequestMessage, remote: Remote, requestUri: string, as?: string): string {
  const method = as ?? (message.method === 'ACK' ? 'INVITE' : message.method);
  const via = message.via as { host: string; port?: number; transport?: string };
  const sentBy = `${via.host.toLowerCase()}:${via.port || defaultPort(via.transport ?? '')}`;
  const source = `${remote.transport}:${remote.address}`;
  const branch = message.viaBranch;
  if (branch && branch.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy}|${source}|${method}`;
  return `2543|${requestUri}|${message.fromTag ?? ''}|${message.callId}|${message.cseq}|${branch ?? ''}|${sentBy}|${source}|${method}`;
}

function defaultPort(transport: string): number {
  return /^(tls|wss)$/i.test(transport) ? 5061 : 5060;
}
