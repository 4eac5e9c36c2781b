/**
 * A small server for media end-to-end tests: SipStack + MediaEngine answering every INVITE with a media stream
 * (SDP answer from the engine, 488/503 on MediaError), INFO DTMF handed to the stream, re-INVITEs answered by
 * the stream, the stream closed when the call ends. What happens next is up to the test's `onCall`.
 */
import pino from 'pino';
import { SipStack, type CallEndReason, type InboundCall } from '../../packages/runtime/src/sip/index.js';
import {
  createMediaEngine,
  MediaError,
  parseDtmfInfo,
  type DtmfEvent,
  type MediaEngine,
  type WorkerMediaEngine,
  type MediaStreamApi,
  type MediaStreamStatsExt,
} from '../../packages/runtime/src/media/index.js';

/** A stream of either engine (in-thread, or a media worker's proxy): both report these counters. */
type HarnessStream = MediaStreamApi & { readonly stats: MediaStreamStatsExt; readonly playing: boolean };
import { freeMediaPorts } from './ports.js';

export interface HarnessCall {
  call: InboundCall;
  stream: HarnessStream;
  dtmf: DtmfEvent[];
  ended: Promise<CallEndReason>;
}

export class MediaSipHarness {
  readonly calls: HarnessCall[] = [];
  /** What the test does with each answered call. */
  onCall: (c: HarnessCall) => void = () => undefined;
  readonly #waiters: Array<() => void> = [];

  private constructor(
    readonly stack: SipStack,
    readonly engine: MediaEngine | WorkerMediaEngine,
    /** The engine's RTP port range (for capture filters). */
    readonly portRange: [number, number],
  ) {
    stack.onInvite((call) => void this.#onInvite(call));
  }

  static async start(): Promise<MediaSipHarness> {
    const logger = pino({ level: process.env.SIPFLOW_LOG ?? 'silent' });
    const base = await freeMediaPorts(200);
    const portRange: [number, number] = [base, base + 199];
    // Media workers unless SIPFLOW_MEDIA_WORKERS says otherwise (the suite runs in both modes).
    const env = process.env.SIPFLOW_MEDIA_WORKERS;
    const engine = await createMediaEngine({ logger, portRange, ...(env ? { workers: Number(env) } : {}) });
    const stack = await SipStack.start({ port: 0, logger });
    return new MediaSipHarness(stack, engine, portRange);
  }

  get sipTarget(): string {
    return `${this.stack.address.host}:${this.stack.address.port}`;
  }

  async #onInvite(call: InboundCall): Promise<void> {
    let stream: HarnessStream;
    try {
      stream = (await this.engine.createStream()) as HarnessStream;
    } catch (err) {
      call.reject(err instanceof MediaError ? err.sipStatus : 500);
      return;
    }
    let answer: string;
    try {
      answer = stream.answer(call.remoteSdp ?? '');
    } catch (err) {
      stream.close();
      call.reject(err instanceof MediaError ? err.sipStatus : 500);
      return;
    }
    const dtmf: DtmfEvent[] = [];
    stream.on('dtmf', (e) => dtmf.push(e));
    call.on('info', (req) => {
      const d = parseDtmfInfo(req.contentType, req.body);
      if (d) stream.injectDtmf(d.key, 'info', d.durationMs);
    });
    call.on('reinvite', (req) => {
      try {
        req.accept(req.sdp ? stream.answer(req.sdp) : stream.offer());
      } catch (err) {
        req.reject(err instanceof MediaError ? err.sipStatus : 500);
      }
    });
    const ended = new Promise<CallEndReason>((resolve) =>
      call.on('ended', (reason) => {
        stream.close();
        resolve(reason);
      }),
    );
    call.answer(answer);
    const hc = { call, stream, dtmf, ended };
    this.calls.push(hc);
    for (const w of this.#waiters.splice(0)) w();
    this.onCall(hc);
  }

  /** Resolves once `n` calls have been answered. */
  async waitCalls(n: number, timeoutMs = 20_000): Promise<HarnessCall[]> {
    const end = Date.now() + timeoutMs;
    while (this.calls.length < n) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} calls (have ${this.calls.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.calls.slice(0, n);
  }

  async stop(): Promise<void> {
    await this.stack.stop();
    await this.engine.close();
  }
}
