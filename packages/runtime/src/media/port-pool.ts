/**
 * RTP/RTCP port pairs from a range: even port P for RTP, P+1 for RTCP, both bound before a stream gets them.
 * Ports in use by other processes are skipped (bind fails → next pair).
 */
import type { Socket } from 'node:dgram';
import { mediaErrors } from './errors.js';
import { bindMediaSocket } from './send-address-lookup.js';

export interface PortPair {
  port: number;
  rtp: Socket;
  rtcp: Socket;
}

export class PortPool {
  readonly #host: string;
  readonly range: readonly [number, number];
  readonly #first: number;
  readonly #pairs: number;
  readonly #inUse = new Set<number>();

  constructor(host: string, range: readonly [number, number]) {
    const [lo, hi] = range;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1024 || hi > 65535 || hi < lo + 1) {
      throw mediaErrors.badOptions(`portRange ${lo}-${hi} (need 1024 ≤ low < high ≤ 65535)`);
    }
    this.#host = host;
    this.range = range;
    this.#first = lo % 2 === 0 ? lo : lo + 1;
    this.#pairs = Math.max(0, Math.floor((hi - 1 - this.#first) / 2) + 1);
    if (this.#pairs === 0) throw mediaErrors.badOptions(`portRange ${lo}-${hi} holds no even/odd pair`);
  }

  /** Even/odd pairs in the range. */
  get pairs(): number {
    return this.#pairs;
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  async allocate(): Promise<PortPair> {
    const start = Math.floor(Math.random() * this.#pairs);
    for (let i = 0; i < this.#pairs; i++) {
      if (this.#inUse.size >= this.#pairs) break;
      const port = this.#first + 2 * ((start + i) % this.#pairs);
      if (this.#inUse.has(port)) continue;
      this.#inUse.add(port);
      let rtp: Socket | undefined;
      try {
        rtp = await bindMediaSocket(this.#host, port);
        const rtcp = await bindMediaSocket(this.#host, port + 1);
        return { port, rtp, rtcp };
      } catch {
        rtp?.close();
        this.#inUse.delete(port);
      }
    }
    throw mediaErrors.noPorts(this.range);
  }

  release(port: number): void {
    this.#inUse.delete(port);
  }
}
