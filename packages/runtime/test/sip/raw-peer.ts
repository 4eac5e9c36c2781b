import { createSocket, type Socket } from 'node:dgram';
import { withDeadline } from '../../../../test/support/deadline.js';

/** How long `next()` waits by default: longer than any real-timer exchange in these tests (Timer B/F at T1=500 ms is 32 s). */
const NEXT_TIMEOUT_MS = 40_000;

/** A hand-driven UDP SIP peer for tests: sends exact text, and lets a test await what the stack sends. */
export class RawPeer {
  readonly received: string[] = [];
  readonly #waiters: Array<{ pred: (m: string) => boolean; resolve: (m: string) => void; from: number }> = [];
  #cursor = 0;

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (buf) => {
      const m = buf.toString('utf8');
      this.received.push(m);
      this.#check();
    });
  }

  /** `address`: another loopback address (127.0.0.2, ...) for a peer on "another host". */
  static async open(address = '127.0.0.1'): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return new RawPeer(socket, socket.address().port);
  }

  send(text: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(text, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }

  /**
   * The next message (after those already consumed by `next`) whose text matches. Messages are consumed in order;
   * non-matching ones in between are skipped.
   */
  next(pred: (m: string) => boolean | RegExpMatchArray | null = () => true, timeoutMs = NEXT_TIMEOUT_MS): Promise<string> {
    const from = this.#cursor;
    let waiter: { pred: (m: string) => boolean; resolve: (m: string) => void; from: number } | undefined;
    const found = new Promise<string>((resolve) => {
      waiter = { pred: (m) => !!pred(m), resolve, from };
      this.#waiters.push(waiter);
      this.#check();
    });
    return withDeadline(found, timeoutMs, () => {
      // Give up the place in the queue, so later next() calls are not stuck behind this one.
      const i = waiter ? this.#waiters.indexOf(waiter) : -1;
      if (i >= 0) this.#waiters.splice(i, 1);
      const seen = this.received.slice(from).map((m) => m.split('\r\n')[0]);
      return `RawPeer.next(${pred.toString().slice(0, 120)}) on port ${this.port}: no matching message; received since: ${seen.length ? seen.join(' | ') : 'nothing'}`;
    });
  }

  /** How many received messages match. */
  count(pred: (m: string) => boolean): number {
    return this.received.filter(pred).length;
  }

  #check(): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters[0]!;
      let found = -1;
      for (let i = Math.max(w.from, this.#cursor); i < this.received.length; i++) {
        if (w.pred(this.received[i]!)) {
          found = i;
          break;
        }
      }
      if (found === -1) return;
      this.#cursor = found + 1;
      this.#waiters.shift();
      w.resolve(this.received[found]!);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export interface RequestSpec {
  method: string;
  ruri: string;
  branch: string;
  callId: string;
  cseq: number;
  fromTag: string;
  toTag?: string;
  peerPort: number;
  body?: string;
  extra?: string[];
}

/** A request as a peer at 127.0.0.1:peerPort would send it. */
export function request(s: RequestSpec): string {
  const body = s.body ?? '';
  const lines = [
    `${s.method} ${s.ruri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${s.peerPort};branch=${s.branch};rport`,
    `From: <sip:peer@127.0.0.1:${s.peerPort}>;tag=${s.fromTag}`,
    `To: <${s.ruri}>${s.toTag ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${s.callId}`,
    `CSeq: ${s.cseq} ${s.method}`,
    `Contact: <sip:peer@127.0.0.1:${s.peerPort}>`,
    'Max-Forwards: 70',
    ...(s.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** A response to `req` (copying Via/From/To/Call-ID/CSeq), with our To tag. */
export function responseTo(req: string, code: number, reason: string, toTag: string, extra: string[] = [], body = ''): string {
  const head = req.slice(0, req.indexOf('\r\n\r\n')).split('\r\n');
  const copy = head.filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
  const to = head.find((l) => /^To:/i.test(l)) ?? 'To: <sip:x@127.0.0.1>';
  const lines = [
    `SIP/2.0 ${code} ${reason}`,
    ...copy,
    /;tag=/.test(to) ? to : `${to};tag=${toTag}`,
    ...extra,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

export function header(message: string, name: string): string | undefined {
  const re = new RegExp(`^${name}:\\s*(.*)$`, 'im');
  return re.exec(message.slice(0, message.indexOf('\r\n\r\n')))?.[1]?.trim();
}

/** The tag of a message's To header ('' without one): what an ACK to a final answer or a CANCEL's 487 must carry. */
export const toTagOf = (message: string): string => /;\s*tag=([^;\s>]+)/.exec(header(message, 'To') ?? '')?.[1] ?? '';

export const isRequest = (method: string) => (m: string) => m.startsWith(`${method} `);
export const isResponse = (code: number, cseqMethod: string) => (m: string) =>
  m.startsWith(`SIP/2.0 ${code} `) && new RegExp(`^CSeq:\\s*\\d+ ${cseqMethod}\\s*$`, 'im').test(m);
