/**
 * In-memory SIP stack and media engine with the real contracts' shapes, for running the server's runtime with no
 * network: tests drive calls (INVITE, CANCEL, BYE, ACK, INFO, answers of dialled legs) and read what the runtime did.
 */
import { TypedEmitter } from '../../src/util/typed-emitter.js';
import type {
  CallEndReason,
  DialOptions,
  InboundCall,
  InboundCallEvents,
  InboundCallState,
  OutboundCall,
  OutboundCallEvents,
  OutboundCallState,
  SipStackApi,
  SipStats,
} from '../../src/sip/sip-types.js';
import { zeroSipStats } from '../../src/sip/sip-stats.js';
import { dtmfEventsOf } from '../../src/media/dtmf-keys.js';
import { noLateTicks } from '../../src/media/late-tick-causes.js';
import type { MediaLoad, MediaStreamOptions } from '../../src/media/media-types.js';
import type {
  DtmfKey,
  DtmfSendOptions,
  DtmfSource,
  MediaClockStats,
  MediaEngineApi,
  MediaStreamApi,
  MediaStreamEvents,
  MediaStreamStats,
  PlayOptions,
} from '../../src/media/media-types.js';

let seq = 0;

/** What both fake calls share: no headers, and the in-dialog requests the runtime sends, recorded and answered. */
abstract class FakeDialog<Events extends { [K in keyof Events]: unknown[] }> extends TypedEmitter<Events> {
  header(): string | undefined {
    return undefined;
  }
  /** In-dialog requests the runtime sent: 'reinvite <sdp>', 'info <type> <body>'. */
  readonly sent: string[] = [];
  /** What the peer answers a re-INVITE with. */
  reinviteAnswer: { code: number; sdp: string | undefined } = { code: 200, sdp: 'v=0 reanswer' };
  async reinvite(sdp: string): Promise<{ code: number; sdp: string | undefined }> {
    this.sent.push(`reinvite ${sdp}`);
    return this.reinviteAnswer;
  }
  async sendInfo(contentType: string, body: string): Promise<number> {
    this.sent.push(`info ${contentType} ${body}`);
    return 200;
  }
}

export class FakeInboundCall extends FakeDialog<InboundCallEvents> implements InboundCall {
  readonly direction = 'inbound' as const;
  readonly id = `fake-in-${++seq}`;
  readonly callId = `cid-${seq}`;
  readonly from = '<sip:alice@127.0.0.1>;tag=a';
  readonly to: string;
  readonly requestUri: string;
  readonly requestUser: string;
  readonly remote = { address: '127.0.0.1', port: 5099, transport: 'udp' as const };
  readonly remoteSdp: string | undefined;
  state: InboundCallState = 'incoming';
  /** What the runtime did to this call, in order: '183+sdp', '200', 'reject 404', 'bye'. */
  readonly actions: string[] = [];
  endReason: CallEndReason | undefined;

  constructor(user: string, sdp: string | undefined = 'v=0 offer') {
    super();
    this.requestUser = user;
    this.requestUri = `sip:${user}@127.0.0.1`;
    this.to = `<${this.requestUri}>`;
    this.remoteSdp = sdp;
  }
  progress(code: 180 | 183, sdp?: string): void {
    this.#need(['incoming', 'early'], 'progress');
    this.actions.push(`${code}${sdp ? '+sdp' : ''}`);
    this.state = 'early';
  }
  answer(sdp: string): void {
    this.#need(['incoming', 'early'], 'answer');
    this.actions.push(`200${sdp ? '+sdp' : ''}`);
    this.state = 'answered';
  }
  /** Extra header lines of the last reject (e.g. Retry-After). */
  rejectHeaders: string[] | undefined;
  reject(code: number, _reason?: string, headers?: string[]): void {
    this.rejectHeaders = headers;
    this.#need(['incoming', 'early'], 'reject');
    this.actions.push(`reject ${code}`);
    this.#end('local');
  }
  hangup(code?: number): void {
    if (this.state === 'ended') return;
    if (this.state === 'incoming' || this.state === 'early') return this.reject(code ?? 480);
    this.actions.push('bye');
    this.#end('local');
  }
  // ---- the peer ----
  /** The ACK; `sdp` is its body (the answer to our offer after an offerless INVITE). */
  ack(sdp?: string): void {
    this.state = 'confirmed';
    this.emit('acked', ...(sdp === undefined ? [] : [sdp]));
  }
  cancel(): void {
    this.emit('cancelled');
    this.#end('cancel');
  }
  bye(): void {
    this.emit('bye');
    this.#end('bye');
  }
  info(body: string, contentType = 'application/dtmf-relay'): void {
    this.emit('info', { contentType, body });
  }
  #need(states: InboundCallState[], what: string): void {
    if (!states.includes(this.state)) throw new Error(`${what} in state ${this.state}`);
  }
  #end(reason: CallEndReason): void {
    this.state = 'ended';
    this.endReason = reason;
    this.emit('ended', reason);
  }
}

export class FakeOutboundCall extends FakeDialog<OutboundCallEvents> implements OutboundCall {
  readonly direction = 'outbound' as const;
  readonly id = `fake-out-${++seq}`;
  readonly callId = `cid-${seq}`;
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  state: OutboundCallState = 'calling';
  readonly actions: string[] = [];
  endReason: CallEndReason | undefined;

  constructor(readonly options: DialOptions) {
    super();
    this.from = `<sip:${options.from.user}@127.0.0.1>;tag=o`;
    this.to = `<${options.to}>`;
    this.requestUri = options.to;
  }
  hangup(): void {
    if (this.state === 'ended') return;
    this.actions.push(this.state === 'confirmed' ? 'bye' : 'cancel');
    this.#end('local');
  }
  // ---- the far end ----
  ring(code = 180, sdp?: string): void {
    this.state = 'early';
    this.emit('provisional', code, code === 183 ? 'Session Progress' : 'Ringing', sdp);
  }
  answer(): void {
    this.state = 'confirmed';
    this.emit('answered', 'v=0 answer');
  }
  fail(code: number, reason = 'Busy Here'): void {
    this.emit('failed', code, reason);
    this.#end('failed');
  }
  bye(): void {
    this.emit('bye');
    this.#end('bye');
  }
  #end(reason: CallEndReason): void {
    this.state = 'ended';
    this.endReason = reason;
    this.emit('ended', reason);
  }
}

export class FakeSipStack implements SipStackApi {
  readonly address = { host: '127.0.0.1', port: 5060 };
  readonly advertised = this.address;
  readonly stats: SipStats = zeroSipStats();
  readonly dialled: FakeOutboundCall[] = [];
  #handler: ((call: InboundCall) => void) | undefined;
  onDial: ((call: FakeOutboundCall) => void) | undefined;

  onInvite(handler: (call: InboundCall) => void): void {
    this.#handler = handler;
  }
  /** A new INVITE from the network. */
  invite(user: string, sdp?: string): FakeInboundCall {
    const call = new FakeInboundCall(user, sdp);
    this.#handler?.(call);
    return call;
  }
  dial(options: DialOptions): OutboundCall {
    const call = new FakeOutboundCall(options);
    this.dialled.push(call);
    this.onDial?.(call);
    return call;
  }
  readonly pendingDialogWork = { clientTransactions: 0, serverTransactions: 0, awaitingAck: 0, total: 0 };
  async drain(): Promise<boolean> {
    return true;
  }
  async stop(): Promise<void> {}
}

export class FakeStream extends TypedEmitter<MediaStreamEvents> implements MediaStreamApi {
  readonly id = `stream-${++seq}`;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 40000;
  codec: 'PCMU' | 'PCMA' | undefined;
  readonly stats: MediaStreamStats = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, packetsDropped: 0, packetsRejected: 0 };
  readonly played: string[] = [];
  room: string | undefined;
  closed = false;
  playing = false;
  /** Set by activate(): the server let RTP flow (its SDP went out). */
  activated = false;
  inbandDtmf = true;

  constructor(private readonly engine: FakeMedia) {
    super();
  }
  answer(offer: string): string {
    if (offer.includes('bad')) throw Object.assign(new Error('no common codec'), { code: 'NO_COMMON_CODEC' });
    this.codec = 'PCMU';
    return 'v=0 answer';
  }
  activate(): void {
    this.activated = true;
  }
  /** Directions of the offers made, in order. */
  readonly offers: string[] = [];
  offer(direction = 'sendrecv'): string {
    this.offers.push(direction);
    return `v=0 offer ${direction}`;
  }
  /** Answers applied with setRemoteAnswer, in order. */
  readonly remoteAnswers: string[] = [];
  setRemoteAnswer(answer: string): void {
    if (answer.includes('bad')) throw Object.assign(new Error('no common codec'), { code: 'NO_COMMON_CODEC' });
    this.remoteAnswers.push(answer);
    this.codec = 'PCMU';
  }
  async play(path: string, _options?: PlayOptions): Promise<void> {
    if (path.includes('missing')) throw Object.assign(new Error(`cannot read ${path}`), { code: 'PROMPT_UNREADABLE' });
    this.played.push(path);
    this.playing = true;
  }
  flush(): void {
    this.playing = false;
  }
  injectDtmf(key: DtmfKey, source: DtmfSource): void {
    this.emit('dtmf', { key, source });
  }
  /** Keys sent with sendDtmf (validated like the real stream: a bad key throws BAD_DTMF_KEY). */
  readonly dtmfSent: Array<{ keys: string; options?: DtmfSendOptions }> = [];
  sendDtmf(keys: string, options?: DtmfSendOptions): Promise<void> {
    dtmfEventsOf(keys);
    this.dtmfSent.push(options ? { keys, options } : { keys });
    return Promise.resolve();
  }
  join(room: string): void {
    this.room = room;
  }
  leave(): void {
    this.room = undefined;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.released(this);
  }
  /** The playlist ran out. */
  endPlaylist(): void {
    this.playing = false;
    this.emit('playlistEnded');
  }
  dtmf(key: DtmfKey, source: DtmfSource = 'rfc4733'): void {
    this.emit('dtmf', { key, source });
  }
}

export class FakeMedia implements MediaEngineApi {
  readonly host = '127.0.0.1';
  readonly streams: FakeStream[] = [];
  overloaded = false;
  /** One clock's last-second load; a test raises it to make admission refuse. */
  loads: MediaLoad[] = [{ busyShare: 0, latenessP90Ms: 0 }];
  noPorts = false;
  readonly clockStats: MediaClockStats = {
    ticks: 0,
    latenessP50: 0,
    latenessP99: 0,
    latenessMax: 0,
    ticksMissed: 0,
    lateTicks: noLateTicks(),
    latenessBuckets: [],
    latenessSumMs: 0,
  };
  #open = new Set<FakeStream>();

  /** The options of every createStream call, in order. */
  readonly streamOptions: MediaStreamOptions[] = [];
  async createStream(options: MediaStreamOptions = {}): Promise<MediaStreamApi> {
    const { near: _near, ...plain } = options as MediaStreamOptions & { near?: unknown };
    this.streamOptions.push(plain);
    if (this.noPorts) throw Object.assign(new Error('no RTP ports left'), { code: 'NO_PORTS' });
    const s = new FakeStream(this);
    this.streams.push(s);
    this.#open.add(s);
    return s;
  }
  get streamCount(): number {
    return this.#open.size;
  }
  released(s: FakeStream): void {
    this.#open.delete(s);
  }
  roomMembers(room: string): string[] {
    return [...this.#open].filter((s) => s.room === room).map((s) => s.id);
  }
  async close(): Promise<void> {
    for (const s of [...this.#open]) s.close();
  }
}

/** Let queued microtasks and promise callbacks run (the runtime defers SIP/media events by a microtask). */
export async function flushAsync(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
