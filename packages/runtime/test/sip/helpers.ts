import { after, before } from 'node:test';
import { pino, type Logger } from 'pino';
import { parse as pegParse } from 'sip.js/lib/grammar/pegjs/dist/grammar.js';
import { SipStack, type InboundCall, type OutboundCall } from '../../src/sip/index.js';
import { RawPeer } from './raw-peer.js';

/**
 * sip.js's header grammar as its `Grammar.parse` calls it (the result the rule's actions leave in `options.data`, -1 on
 * a syntax error), taken from the generated parser module itself: a reference for the fast path's differential tests
 * that nothing in the process can have replaced.
 */
export function referenceGrammar(input: string, startRule: string): unknown {
  const options: { startRule: string; data?: unknown } = { startRule };
  try {
    pegParse(input, options);
  } catch {
    options.data = -1;
  }
  return options.data;
}

/** A static SDP answer/offer: the SIP layer treats SDP as opaque, so any well-formed text will do. */
export function staticSdp(port = 40000, sessionId = '1'): string {
  return [
    'v=0',
    `o=sipflow ${sessionId} 1 IN IP4 127.0.0.1`,
    's=sipflow',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export interface CapturedLogger {
  logger: Logger;
  /** Parsed JSON log records at or above the level. */
  records: Array<Record<string, unknown>>;
}

/** A pino logger whose records are kept in memory (tests assert on what was logged). */
export function captureLogger(level: pino.Level = 'warn'): CapturedLogger {
  const records: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        try {
          records.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          records.push({ msg: line });
        }
      },
    },
  );
  return { logger, records };
}

/** Resolves with the arguments of the next `event` emitted by `emitter`, rejects after `ms`. */
export function nextEvent<T extends unknown[]>(
  emitter: { on(event: never, listener: never): unknown; off(event: never, listener: never): unknown },
  event: string,
  ms = 20000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event as never, listener as never);
      reject(new Error(`timed out waiting for '${event}'`));
    }, ms);
    const listener = (...args: never[]) => {
      clearTimeout(timer);
      emitter.off(event as never, listener as never);
      resolve(args as unknown as T);
    };
    emitter.on(event as never, listener as never);
  });
}

/** Deterministic PRNG (mulberry32) for seeded loss. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A call from stack `a` to stack `b` (which answers at once with a static SDP), resolved once confirmed on both
 * sides. `dialled` sees the outbound call before any answer (e.g. to check what an unanswered call refuses).
 */
export async function confirmedCall(
  a: SipStack,
  b: SipStack,
  dialled?: (out: OutboundCall) => void,
): Promise<{ out: OutboundCall; call: InboundCall }> {
  const inbound = new Promise<InboundCall>((resolve) =>
    b.onInvite((call) => {
      call.answer(staticSdp(41000));
      resolve(call);
    }),
  );
  const out = a.dial({ to: `sip:x@127.0.0.1:${b.address.port}`, from: { user: 'a' }, sdp: staticSdp(40000) });
  dialled?.(out);
  await nextEvent(out, 'answered');
  const call = await inbound;
  if (call.state !== 'confirmed') await nextEvent(call, 'acked');
  return { out, call };
}

export interface StackAndRawPeer {
  /** Set in `before`. */
  stack: SipStack;
  /** Set in `before`. */
  peer: RawPeer;
  /** Gets every INVITE the stack receives; a test sets it to what it needs. */
  onCall: (call: InboundCall) => void;
}

/**
 * For a describe block driven by a raw UDP peer: registers `before`/`after` hooks that start a SipStack (errors
 * logged only) and a RawPeer, and stop both.
 */
export function stackAndRawPeer(): StackAndRawPeer {
  const sp = { onCall: () => undefined } as unknown as StackAndRawPeer;
  before(async () => {
    sp.peer = await RawPeer.open();
    sp.stack = await SipStack.start({ port: 0, logger: captureLogger('error').logger });
    sp.stack.onInvite((call) => sp.onCall(call));
  });
  after(async () => {
    await sp.stack.stop();
    await sp.peer.close();
  });
  return sp;
}
