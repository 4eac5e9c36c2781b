/**
 * Server-sent events for the web page: a snapshot on connect, then every call record update as it happens.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CallRecord, CallRegistryView } from '../registry-types.js';

/** A client that does not read its stream is dropped past this many buffered bytes. */
const MAX_BUFFERED = 1 << 20;
const HEARTBEAT_MS = 15_000;

/**
 * Updates are coalesced: the latest record of each call changed in the last `flushMs` is sent once, serialised
 * once for all clients. Under load (hundreds of state changes per second) the page then costs the server a few
 * writes per interval, not one per state change per client; with no page open it costs a Set lookup.
 */
export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #registry: CallRegistryView;
  readonly #log: Logger;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #flushMs: number;
  /** Call id → its latest 'call' frame, serialised when the update came (the registry mutates its records). */
  readonly #pending = new Map<string, string>();
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #onUpdate = (record: CallRecord): void => {
    if (!this.#clients.size) return;
    this.#pending.set(record.id, `event: call\ndata: ${JSON.stringify(record)}\n\n`);
    this.#flushTimer ??= setTimeout(() => this.#flush(), this.#flushMs);
  };

  constructor(registry: CallRegistryView, log: Logger, flushMs = 100) {
    this.#registry = registry;
    this.#log = log;
    this.#flushMs = flushMs;
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
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.#clients) this.#write(res, frame);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const frames = [...this.#pending.values()];
    this.#pending.clear();
    for (const res of this.#clients) for (const frame of frames) this.#write(res, frame);
  }

  #send(res: ServerResponse, event: string, data: unknown): void {
    this.#write(res, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  #write(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_BUFFERED) {
      this.#log.warn('dropping an SSE client that does not keep up');
      this.#clients.delete(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }

  close(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#pending.clear();
    clearInterval(this.#heartbeat);
    this.#registry.off('update', this.#onUpdate);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
