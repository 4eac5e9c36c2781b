/**
 * Server-sent events for the web page: a snapshot on connect, then every call record update as it happens.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CallRecord, CallRegistryView } from '../registry-types.js';

/** A client that does not read its stream is dropped past this many buffered bytes. */
const MAX_BUFFERED = 1 << 20;
const HEARTBEAT_MS = 15_000;

export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #registry: CallRegistryView;
  readonly #log: Logger;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onUpdate = (record: CallRecord): void => this.broadcast('call', record);

  constructor(registry: CallRegistryView, log: Logger) {
    this.#registry = registry;
    this.#log = log;
    registry.on('update', this.#onUpdate);
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) res.write(': ping\n\n');
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Take over a GET /events response. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
    res.write('retry: 2000\n\n');
    this.#send(res, 'snapshot', { calls: this.#registry.list({ ended: true }) });
  }

  broadcast(event: string, data: unknown): void {
    for (const res of this.#clients) this.#send(res, event, data);
  }

  #send(res: ServerResponse, event: string, data: unknown): void {
    if (res.writableLength > MAX_BUFFERED) {
      this.#log.warn('dropping an SSE client that does not keep up');
      this.#clients.delete(res);
      res.destroy();
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#registry.off('update', this.#onUpdate);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
