import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { sipErrors } from './errors.js';
import type { WebSocketListenOptions } from './sip-types.js';

/** Where a WebSocket message came from: the client's TCP address, and whether the listener was wss. */
export interface WsRemote {
  address: string;
  port: number;
  transport: 'ws' | 'wss';
}

export interface WsListenerHooks {
  logger: Logger;
  /** Connections at once on this listener; more are refused (HTTP 503) at the upgrade. */
  maxConnections: number;
  /** Largest WebSocket message, bytes (a larger one closes the connection, code 1009). */
  maxMessageBytes: number;
  /** One SIP message (RFC 7118 §5: each WebSocket message carries exactly one). */
  onMessage: (text: string, remote: WsRemote) => void;
  /** A message that is not SIP: counted by the caller; the connection is closed here. */
  onGarbage: (remote: WsRemote, reason: string) => void;
  onClose: (remote: WsRemote) => void;
}

/** RFC 7118 §4: the WebSocket subprotocol a SIP client must ask for. */
const SIP_SUBPROTOCOL = 'sip';
/** A SIP message starts with a request line or a status line. */
const START_LINE = /^(?:[A-Za-z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3} [^\r\n]*)\r\n/;

/**
 * One SIP over WebSocket listener (RFC 7118): an HTTP or HTTPS server whose upgrades with the `sip` subprotocol become
 * SIP connections, keyed by the client's address:port. Anything else gets a plain HTTP error: 426 for a request that
 * is no upgrade, 400 for an upgrade without the `sip` subprotocol. A WebSocket message that is not a SIP message
 * closes its connection (1002, protocol error).
 */
export class WsListener {
  readonly #connections = new Map<string, WebSocket>();
  readonly #wss: WebSocketServer;
  readonly transport: 'ws' | 'wss';

  private constructor(
    private readonly server: HttpServer,
    readonly address: { host: string; port: number },
    tls: boolean,
    private readonly hooks: WsListenerHooks,
  ) {
    this.transport = tls ? 'wss' : 'ws';
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: hooks.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
    this.server.on('request', (_req, res) => {
      res.writeHead(426, { Upgrade: 'websocket', 'Content-Type': 'text/plain' });
      res.end('SIP over WebSocket (RFC 7118): connect with the "sip" WebSocket subprotocol\n');
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  static async listen(options: WebSocketListenOptions, hooks: WsListenerHooks): Promise<WsListener> {
    const tls = options.tls !== undefined;
    const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, 511, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw sipErrors.bindFailed(options.host, options.port, `${tls ? 'wss' : 'ws'}: ${String((err as NodeJS.ErrnoException).code ?? err)}`);
    }
    const a = server.address();
    const port = a && typeof a === 'object' ? a.port : options.port;
    return new WsListener(server, { host: options.host, port }, tls, hooks);
  }

  /** Whether a client connection `address:port` is open on this listener. */
  has(id: string): boolean {
    return this.#connections.has(id);
  }

  /** Send one SIP message on the connection of client `id` (address:port). */
  send(id: string, text: string): Promise<void> {
    const ws = this.#connections.get(id);
    if (!ws || ws.readyState !== ws.OPEN) return Promise.reject(sipErrors.transport(`no open WebSocket connection from ${id}`));
    return new Promise((resolve, reject) => ws.send(text, (err) => (err ? reject(err) : resolve())));
  }

  get connections(): number {
    return this.#connections.size;
  }

  async close(): Promise<void> {
    for (const ws of this.#connections.values()) ws.terminate();
    this.#connections.clear();
    this.#wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
    if (!offered.includes(SIP_SUBPROTOCOL)) {
      this.hooks.logger.info({ remote: req.socket.remoteAddress, offered }, 'sip: WebSocket upgrade without the "sip" subprotocol refused');
      refuse(socket, 400, 'Bad Request', 'the "sip" WebSocket subprotocol (RFC 7118) is required');
      return;
    }
    if (this.#connections.size >= this.hooks.maxConnections) {
      this.hooks.logger.warn({ open: this.#connections.size }, 'sip: WebSocket connection cap reached, upgrade refused');
      refuse(socket, 503, 'Service Unavailable', 'too many SIP WebSocket connections');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#adopt(ws, req));
  }

  #adopt(ws: WebSocket, req: IncomingMessage): void {
    const remote: WsRemote = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0, transport: this.transport };
    const id = `${remote.address}:${remote.port}`;
    this.#connections.set(id, ws);
    ws.on('message', (data, isBinary) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      // RFC 5626-style keep-alives (CRLF CRLF) are not messages.
      if (text.trim() === '') return;
      if (!START_LINE.test(text)) {
        this.hooks.onGarbage(remote, isBinary ? 'binary message is not SIP' : 'message is not SIP');
        ws.close(1002, 'not a SIP message');
        return;
      }
      this.hooks.onMessage(text, remote);
    });
    ws.on('error', (err) => {
      this.hooks.logger.info({ remote: id, err: err.message }, 'sip: WebSocket connection error');
      ws.terminate();
    });
    ws.on('close', () => {
      if (this.#connections.get(id) === ws) this.#connections.delete(id);
      this.hooks.onClose(remote);
    });
  }
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body) + 1}\r\n\r\n${body}\n`,
  );
}
