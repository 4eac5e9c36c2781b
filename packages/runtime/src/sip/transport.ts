import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import type { Transport as CoreTransport } from 'sip.js/lib/core/index.js';
import { sipErrors } from './errors.js';
import { Retransmitter } from './retransmitter.js';
import type { SipStats, WebSocketListenOptions } from './sip-types.js';
import { TcpConnectionTable, type CloseReason, type TcpLimits } from './tcp-limits.js';
import type { ResolvedTimers } from './timers.js';
import {
  StreamFramer,
  messageKey,
  requestDestination,
  responseDestination,
  setViaTransport,
  type Destination,
  type MessageKey,
  type TransportName,
} from './wire.js';
import { WsListener, type WsRemote } from './ws-listener.js';

export interface Remote {
  address: string;
  port: number;
  transport: TransportName;
}

export interface TransportOptions {
  host: string;
  port: number;
  transports: TransportName[];
  timers: ResolvedTimers;
  logger: Logger;
  stats: SipStats;
  lossFilter: ((direction: 'in' | 'out', message: string) => boolean) | undefined;
  /** Caps and timeouts of TCP connections (defaults: DEFAULT_TCP_LIMITS). */
  tcpLimits?: Partial<TcpLimits> | undefined;
  /** SIP over WebSocket listeners (RFC 7118), each on its own address; none by default. */
  websocket?: WebSocketListenOptions[] | undefined;
  /** A message that passed the loss filter; `repeat` when its transaction key was seen before. */
  onMessage: (text: string, remote: Remote, key: MessageKey | undefined, repeat: boolean) => void;
  /** The WebSocket connection a call's dialog lives on closed (a browser tab went away): the call cannot go on. */
  onConnectionLost?: (callId: string) => void;
}

/**
 * UDP and TCP on one address, behind the single `send(message)` sip.js calls with no address: responses are routed
 * by their top Via (received/rport), requests by Route / Request-URI (RFC 3261 §18). TCP responses go back on the
 * connection the request came on (the Via was stamped with its source port). WebSocket clients (RFC 7118) are
 * reached only on the connection they opened: responses by the stamped Via, in-dialog requests by their Call-ID.
 */
export class SipTransport implements CoreTransport {
  readonly protocol = 'UDP';
  readonly #udp: UdpSocket | undefined;
  readonly #tcp: Server | undefined;
  readonly #connections = new Map<string, TcpSocket>();
  readonly #connecting = new Map<string, Promise<TcpSocket>>();
  readonly #resolved = new Map<string, string>();
  /** Call-ID → TCP connection its requests came on (calls only: a connection with one is never idle-closed). */
  readonly #tcpCalls = new Map<string, string>();
  /** Call-IDs of live calls that came over TCP (`bindCall` … `forgetCall`): their requests may move connection. */
  readonly #tcpCallIds = new Set<string>();
  /** Call-ID → the WebSocket connection (listener, client address:port) its INVITE came on. */
  readonly #wsCalls = new Map<string, { listener: WsListener; id: string }>();
  #ws: WsListener[] = [];
  readonly #retransmitter: Retransmitter;
  readonly #table: TcpConnectionTable;
  /** TCP connections closed by a limit since the last warn line (one line per 10 s at most under a flood). */
  #closedByLimit = new Map<CloseReason, number>();
  #closedLoggedAt = 0;
  readonly #log: Logger;
  #closed = false;

  private constructor(
    private readonly options: TransportOptions,
    udp: UdpSocket | undefined,
    tcp: Server | undefined,
    readonly address: { host: string; port: number },
  ) {
    this.#udp = udp;
    this.#tcp = tcp;
    this.#log = options.logger;
    this.#retransmitter = new Retransmitter(options.timers, (text, dest) => {
      options.stats.retransmissionsOut++;
      this.#transmit(text, dest);
    });
    udp?.on('message', (buf, rinfo) => this.#receive(buf.toString('utf8'), { address: rinfo.address, port: rinfo.port, transport: 'udp' }));
    udp?.on('error', (err) => this.#log.warn({ err }, 'sip: UDP socket error'));
    this.#table = new TcpConnectionTable(
      options.tcpLimits,
      () => new Set(this.#tcpCalls.values()),
      (_id, source, reason) => this.#noteClosed(source, reason),
    );
    tcp?.on('connection', (sock) => this.#accept(sock));
    tcp?.on('error', (err) => this.#log.warn({ err }, 'sip: TCP server error'));
  }

  static async listen(options: TransportOptions): Promise<SipTransport> {
    const { host, transports } = options;
    const family = isIP(host) === 6 ? 'udp6' : 'udp4';
    // Port 0: UDP picks one, TCP must get the same; retry if TCP finds it taken.
    for (let attempt = 0; attempt < 20; attempt++) {
      let udp: UdpSocket | undefined;
      let tcp: Server | undefined;
      let port = options.port;
      try {
        if (transports.includes('udp')) {
          const sock = createSocket({ type: family, recvBufferSize: 4 * 1024 * 1024 });
          udp = sock;
          await new Promise<void>((resolve, reject) => {
            sock.once('error', reject);
            sock.bind(port, host, () => {
              sock.off('error', reject);
              resolve();
            });
          });
          port = sock.address().port;
        }
        if (transports.includes('tcp')) {
          const srv = createServer({ noDelay: true });
          tcp = srv;
          await new Promise<void>((resolve, reject) => {
            srv.once('error', reject);
            srv.listen(port, host, 1024, () => {
              srv.off('error', reject);
              resolve();
            });
          });
          const a = srv.address();
          if (a && typeof a === 'object') port = a.port;
        }
        const transport = new SipTransport(options, udp, tcp, { host, port });
        try {
          await transport.#listenWebSocket(options.websocket ?? []);
        } catch (err) {
          await transport.close();
          throw err;
        }
        return transport;
      } catch (err) {
        if ((err as { code?: string }).code === 'SIP_BIND_FAILED') throw err;
        udp?.close();
        tcp?.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (options.port === 0 && code === 'EADDRINUSE') continue;
        throw sipErrors.bindFailed(host, options.port, String(code ?? err));
      }
    }
    throw sipErrors.bindFailed(host, options.port, 'no port free for both UDP and TCP');
  }

  /** The WebSocket listeners' bound addresses, in the order they were given. */
  get webSocketAddresses(): Array<{ host: string; port: number; transport: 'ws' | 'wss' }> {
    return this.#ws.map((l) => ({ ...l.address, transport: l.transport }));
  }

  async #listenWebSocket(list: WebSocketListenOptions[]): Promise<void> {
    const limits = this.#table.limits;
    for (const options of list) {
      const listener = await WsListener.listen(options, {
        logger: this.#log,
        maxConnections: limits.maxConnections,
        maxMessageBytes: limits.maxMessageBytes,
        onMessage: (text, remote) => this.#receive(text, remote),
        onGarbage: (remote, reason) => {
          this.options.stats.malformedDropped++;
          this.#log.warn({ remote: wsId(remote), transport: remote.transport, reason }, 'sip: malformed WebSocket message, closing connection');
        },
        onClose: (remote) => {
          const id = wsId(remote);
          for (const [callId, conn] of this.#wsCalls) if (conn.listener === listener && conn.id === id) this.options.onConnectionLost?.(callId);
        },
      });
      this.#ws.push(listener);
    }
  }

  /** sip.js entry point: route the message ourselves. */
  send(message: string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const isResponse = message.startsWith('SIP/2.0 ');
    let dest = isResponse ? responseDestination(message) : requestDestination(message);
    if (!dest) {
      this.#log.warn({ firstLine: message.slice(0, message.indexOf('\r\n')) }, 'sip: no destination for outgoing message');
      return Promise.resolve();
    }
    let key = messageKey(message);
    if (!isResponse && dest.transport === 'udp' && !dest.explicit && key?.callId) {
      // A dialog that came in over TCP: its in-dialog requests reuse that connection (the peer's Contact often
      // names no transport, and a TCP-only peer would never see a UDP BYE).
      const conn = this.#tcpCalls.get(key.callId);
      const sock = conn ? this.#connections.get(conn) : undefined;
      if (conn && sock && !sock.destroyed) {
        const colon = conn.lastIndexOf(':');
        dest = { host: conn.slice(0, colon), port: Number(conn.slice(colon + 1)), transport: 'tcp' };
      }
    }
    const ws = !isResponse && key?.callId ? this.#wsCalls.get(key.callId) : undefined;
    if (ws) {
      // A WebSocket client's Contact is unreachable ('…@x.invalid;transport=ws'): its dialog lives on its connection.
      const colon = ws.id.lastIndexOf(':');
      dest = { host: ws.id.slice(0, colon), port: Number(ws.id.slice(colon + 1)), transport: ws.listener.transport };
    }
    let text = message;
    if (!isResponse && dest.transport !== 'udp') {
      text = setViaTransport(message, dest.transport);
      key = messageKey(text);
    }
    if (key) {
      const repeat = this.#retransmitter.onSent(text, key, dest);
      if (repeat) this.options.stats.retransmissionsOut++;
    }
    return this.#transmit(text, dest);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#retransmitter.stop();
    this.#table.stop();
    // Sends already started (an ACK or BYE the core just handed us, maybe still resolving its host) go out first.
    await Promise.allSettled([...this.#inFlight]);
    for (const sock of this.#connections.values()) sock.destroy();
    this.#connections.clear();
    await Promise.all([
      ...this.#ws.map((l) => l.close()),
      new Promise<void>((resolve) => (this.#udp ? this.#udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve())),
    ]);
  }

  /** Send raw text (a test/peer helper, and the stateless replies of the stack). */
  async sendTo(text: string, dest: Destination): Promise<void> {
    return this.#transmit(text, dest);
  }

  /** Sends between their hand-over and the socket's callback: close() lets them finish. */
  readonly #inFlight = new Set<Promise<void>>();

  #transmit(text: string, dest: Destination): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.options.lossFilter && !this.options.lossFilter('out', text)) return Promise.resolve();
    this.options.stats.messagesOut++;
    const sending = this.#deliver(text, dest);
    this.#inFlight.add(sending);
    const forget = () => void this.#inFlight.delete(sending);
    sending.then(forget, forget);
    return sending;
  }

  async #deliver(text: string, dest: Destination): Promise<void> {
    try {
      if (dest.transport === 'ws' || dest.transport === 'wss') {
        const id = `${dest.host}:${dest.port}`;
        // The client's Via may say WS on a wss connection (sip.js does): the connection is what counts.
        const listener = this.#ws.find((l) => l.has(id));
        if (!listener) throw sipErrors.transport(`no open ${dest.transport} connection from ${id}`);
        await listener.send(id, text);
        return;
      }
      const host = await this.resolve(dest.host);
      if (dest.transport === 'udp') {
        if (!this.#udp) throw sipErrors.transport('UDP not enabled');
        const udp = this.#udp;
        await new Promise<void>((resolve, reject) => udp.send(text, dest.port, host, (err) => (err ? reject(err) : resolve())));
      } else {
        const sock = await this.#tcpTo(host, dest.port);
        this.#table.touch(`${host}:${dest.port}`);
        await new Promise<void>((resolve, reject) => sock.write(text, (err) => (err ? reject(err) : resolve())));
      }
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, dest }, 'sip: send failed');
      throw sipErrors.transport((err as Error).message);
    }
  }

  async resolve(host: string): Promise<string> {
    if (isIP(host)) return host;
    const cached = this.#resolved.get(host);
    if (cached) return cached;
    const family = isIP(this.address.host) === 6 ? 6 : 4;
    try {
      const { address } = await lookup(host, { family });
      this.#resolved.set(host, address);
      return address;
    } catch {
      throw sipErrors.unresolvable(host);
    }
  }

  async #tcpTo(host: string, port: number): Promise<TcpSocket> {
    const id = `${host}:${port}`;
    const open = this.#connections.get(id);
    if (open && !open.destroyed) return open;
    const pending = this.#connecting.get(id);
    if (pending) return pending;
    const p = new Promise<TcpSocket>((resolve, reject) => {
      const sock = connect({ host, port, localAddress: this.address.host, noDelay: true });
      sock.once('connect', () => {
        sock.off('error', reject);
        this.#adopt(sock, id);
        resolve(sock);
      });
      sock.once('error', reject);
    }).finally(() => this.#connecting.delete(id));
    this.#connecting.set(id, p);
    return p;
  }

  /** A peer's new connection: kept only within the caps (see TcpConnectionTable). */
  #accept(sock: TcpSocket): void {
    const verdict = this.#table.admit(sock.remoteAddress ?? '');
    if (verdict.ok) this.#adopt(sock);
    else {
      sock.destroy();
      this.#noteClosed(sock.remoteAddress ?? '', verdict.reason);
    }
  }

  #noteClosed(source: string, reason: CloseReason): void {
    this.#log.debug({ source, reason }, 'sip: TCP connection closed by a limit');
    this.#closedByLimit.set(reason, (this.#closedByLimit.get(reason) ?? 0) + 1);
    const now = Date.now();
    if (now - this.#closedLoggedAt < 10_000) return;
    this.#closedLoggedAt = now;
    this.#log.warn(
      { closed: Object.fromEntries(this.#closedByLimit), open: this.#table.size, limits: this.#table.limits },
      'sip: TCP connections closed by limits',
    );
    this.#closedByLimit = new Map();
  }

  #adopt(sock: TcpSocket, id = `${sock.remoteAddress}:${sock.remotePort}`): void {
    const remote: Remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0, transport: 'tcp' };
    this.#connections.set(id, sock);
    this.#table.add(id, sock, remote.address);
    const framer = new StreamFramer(this.#table.limits.maxMessageBytes);
    sock.on('data', (chunk: Buffer) => {
      const { messages, error } = framer.push(chunk);
      this.#table.touch(id, framer.pending > 2); // a lone CRLF (keep-alive pong) is no message
      for (const m of messages) this.#receive(m, remote);
      if (error) {
        this.options.stats.malformedDropped++;
        this.#log.warn({ remote, reason: error }, 'sip: malformed TCP stream, closing connection');
        sock.destroy();
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.#table.remove(id, sock);
      if (this.#connections.get(id) === sock) this.#connections.delete(id);
      for (const [callId, conn] of this.#tcpCalls) if (conn === id) this.#tcpCalls.delete(callId);
    });
  }

  #receive(text: string, remote: Remote | WsRemote): void {
    if (this.#closed) return;
    if (this.options.lossFilter && !this.options.lossFilter('in', text)) return;
    // Keep-alives (RFC 5626 CRLF) are not messages.
    if (text.length <= 4 && text.trim() === '') return;
    this.options.stats.messagesIn++;
    let key: MessageKey | undefined;
    try {
      key = messageKey(text);
    } catch {
      key = undefined;
    }
    if (remote.transport === 'tcp' && key?.isRequest && key.callId && this.#tcpCallIds.has(key.callId)) {
      this.#tcpCalls.set(key.callId, `${remote.address}:${remote.port}`);
    }
    const repeat = key ? this.#retransmitter.onReceived(key, remote.address) : false;
    this.options.onMessage(text, remote, key, repeat);
  }

  /** A call came in over TCP from `remote`: its in-dialog requests go back on that connection, which it keeps open. */
  bindCall(callId: string, remote: Remote): void {
    if (remote.transport === 'ws' || remote.transport === 'wss') {
      const id = `${remote.address}:${remote.port}`;
      const listener = this.#ws.find((l) => l.has(id));
      if (listener) this.#wsCalls.set(callId, { listener, id });
      return;
    }
    this.#tcpCallIds.add(callId);
    this.#tcpCalls.set(callId, `${remote.address}:${remote.port}`);
  }

  /** The call is over: its requests no longer need its TCP connection. */
  forgetCall(callId: string): void {
    this.#wsCalls.delete(callId);
    this.#tcpCallIds.delete(callId);
    this.#tcpCalls.delete(callId);
  }
}

function wsId(remote: WsRemote): string {
  return `${remote.address}:${remote.port}`;
}
