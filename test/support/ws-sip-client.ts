/**
 * A minimal SIP over WebSocket client (RFC 7118) for tests: the `ws` package with the `sip` subprotocol, SIP text
 * written by hand, every received message kept and awaited by predicate. It plays a browser's role on the wire
 * (Via host `*.invalid`, Contact with `;transport=ws`) without the browser.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export interface WsSipClient {
  ws: WebSocket;
  /** Every SIP message received so far, in order. */
  received: string[];
  send(text: string): void;
  /** Resolves with the first message (received earlier or later) matching `pred`. */
  next(pred: (m: string) => boolean, timeoutMs?: number): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function openWsSipClient(url: string, options: { protocol?: string | null; rejectUnauthorized?: boolean } = {}): Promise<WsSipClient> {
  const protocols = options.protocol === null ? [] : [options.protocol ?? 'sip'];
  const ws = new WebSocket(url, protocols, { rejectUnauthorized: options.rejectUnauthorized ?? true });
  const received: string[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    received.push(String(data));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const next = (pred: (m: string) => boolean, timeoutMs = 15_000): Promise<string> =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < received.length; seen++) {
          const m = received[seen]!;
          if (!pred(m)) continue;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
          return;
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching SIP message within ${timeoutMs} ms; got:\n${received.map((m) => m.split('\r\n')[0]).join('\n')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { ws, received, send: (text) => ws.send(text), next, closed };
}

/** What a browser's sip.js writes: a random `.invalid` Via host and Contact (RFC 7118 §5.2). */
export interface WsDialog {
  callId: string;
  fromTag: string;
  viaHost: string;
  /** The To header of the final response (with the server's tag) once known. */
  to?: string;
  cseq: number;
}

export function newWsDialog(): WsDialog {
  return { callId: `${hex(8)}@ws.test`, fromTag: hex(4), viaHost: `${hex(5)}.invalid`, cseq: 1 };
}

function hex(n: number): string {
  return randomBytes(n).toString('hex');
}

/** A request of `dialog` (new branch each time); INVITE/ACK/INFO/BYE/OPTIONS with an optional body. */
export function wsRequest(
  dialog: WsDialog,
  method: string,
  uri: string,
  opts: { body?: string; contentType?: string; cseq?: number; to?: string } = {},
): string {
  const body = opts.body ?? '';
  const cseq = opts.cseq ?? dialog.cseq;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/WS ${dialog.viaHost};branch=z9hG4bK${hex(6)}`,
    'Max-Forwards: 70',
    `From: <sip:browser@ws.test>;tag=${dialog.fromTag}`,
    `To: ${opts.to ?? dialog.to ?? `<${uri}>`}`,
    `Call-ID: ${dialog.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:browser@${dialog.viaHost};transport=ws>`,
    ...(body ? [`Content-Type: ${opts.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** A response to a request received on the WebSocket (Via/From/To/Call-ID/CSeq copied). */
export function wsResponse(request: string, code: number, reason: string): string {
  const head = request.slice(0, request.indexOf('\r\n\r\n')).split('\r\n');
  const copy = head.filter((l) => /^(via|v|from|f|to|t|call-id|i|cseq)\s*:/i.test(l));
  return [`SIP/2.0 ${code} ${reason}`, ...copy, 'Content-Length: 0', '', ''].join('\r\n');
}

/** First value of a header in a SIP message (full name, case-insensitive). */
export function headerOf(message: string, name: string): string | undefined {
  const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im');
  return re.exec(message.slice(0, message.indexOf('\r\n\r\n')))?.[1]?.trim();
}

export function statusOf(message: string): number | undefined {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** An audio offer as a plain SIP phone would send it (RTP/AVP, PCMU + telephone-event) to `rtpPort` on loopback. */
export function plainRtpOffer(rtpPort: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${rtpPort} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/**
 * A browser's WebRTC audio offer (ICE credentials, a DTLS fingerprint, rtcp-mux, PCMU + telephone-event) from a
 * peer that will never do ICE or DTLS: the server's answer is fine, the media never connects.
 */
export function webRtcOfferThatNeverConnects(): string {
  const fingerprint = Array.from(randomBytes(32), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 0 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${hex(2)}`,
    `a=ice-pwd:${hex(12)}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:126 telephone-event/8000',
    '',
  ].join('\r\n');
}
