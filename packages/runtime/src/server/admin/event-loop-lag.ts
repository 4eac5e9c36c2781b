/**
 * Event-loop lag from perf_hooks: how late timers and I/O callbacks run. Windowed (reset every minute) so the
 * figures describe now, not the whole uptime.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopLag {
  /** Milliseconds. */
  p50: number;
  p99: number;
  max: number;
}

export class EventLoopLagMonitor {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #timer: NodeJS.Timeout;
  #previous: EventLoopLag = { p50: 0, p99: 0, max: 0 };

  constructor(windowMs = 60_000) {
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      this.#previous = this.#read();
      this.#histogram.reset();
    }, windowMs);
    this.#timer.unref();
  }

  #read(): EventLoopLag {
    const h = this.#histogram;
    if (h.count === 0) return { p50: 0, p99: 0, max: 0 };
    // The histogram counts the whole sampling interval; subtract it to keep only the lag.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - 10);
    return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
  }

  /** Lag over the current window (or the previous one just after a reset). */
  read(): EventLoopLag {
    return this.#histogram.count > 0 ? this.#read() : this.#previous;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}
