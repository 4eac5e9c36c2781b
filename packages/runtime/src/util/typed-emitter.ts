import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * A typed event emitter whose `emit` never lets a listener's exception escape into the emitter's caller
 * (a socket handler, the media clock): the exception is logged and the other listeners still run.
 *
 * @example
 * type Events = { bye: []; dtmf: [key: string] };
 * class Call extends TypedEmitter<Events> {}
 * call.on('dtmf', (key) => console.log(key));
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #log: Pick<Logger, 'error'> | undefined;

  constructor(log?: Pick<Logger, 'error'>) {
    this.#log = log;
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  removeAllListeners(): this {
    this.#emitter.removeAllListeners();
    return this;
  }

  /** Calls every listener; one that throws is logged and does not stop the others. Returns whether any listened. */
  protected emit<K extends keyof Events & string>(event: K, ...args: Events[K]): boolean {
    const listeners = this.#emitter.listeners(event) as Array<(...a: Events[K]) => void>;
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (err) {
        if (this.#log) this.#log.error({ err, event }, 'event listener threw');
        else console.error(`sipflow: listener of '${event}' threw`, err);
      }
    }
    return listeners.length > 0;
  }
}
