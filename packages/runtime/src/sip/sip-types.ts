/**
 * The public face of the SIP layer. Everything above `src/sip/` (flows, server) sees only these types;
 * nothing outside `src/sip/` imports sip.js.
 *
 * SDP is an opaque string here: offer/answer lives in `src/media/`.
 */
import type { Logger } from 'pino';
import type { TcpLimits } from './tcp-limits.js';

/** RFC 3261 timer base values, in milliseconds. */
export interface SipTimerOptions {
  /** RTT estimate. Default 500. */
  t1?: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4000. */
  t2?: number;
  /** Maximum time a message stays in the network. Default 5000. */
  t4?: number;
}

/** How a call's signalling reaches us: 'ws'/'wss' are SIP over WebSocket (RFC 7118), a browser's phone. */
export type SipTransportName = 'udp' | 'tcp' | 'ws' | 'wss';

/** A SIP over WebSocket listener: plain `ws`, or `wss` when `tls` holds a PEM certificate and key. */
export interface WebSocketListenOptions {
  host: string;
  /** 0 = ephemeral (read it back from `SipStack.webSocketAddresses`). */
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface SipStackOptions {
  /** Address UDP and TCP bind to. Default '127.0.0.1'. */
  host?: string;
  /** Port UDP and TCP bind to (0 = ephemeral, read it back from `SipStack.address`). Default 5060. */
  port?: number;
  /** Transports to listen on. Default ['udp', 'tcp']. */
  transports?: Array<'udp' | 'tcp'>;
  timers?: SipTimerOptions;
  /** SIP over WebSocket listeners (RFC 7118), e.g. for browsers running sip.js. Default: none. */
  websocket?: WebSocketListenOptions[];
  /** TCP connection caps, idle/read timeouts and the largest message on a stream. Default: DEFAULT_TCP_LIMITS. */
  tcp?: Partial<TcpLimits>;
  /** Value of User-Agent / Server headers. Default 'sipflow'. */
  userAgent?: string;
  /**
   * The address peers reach us at, when it is not the bound one (behind NAT or a proxy): written in our Contact, the
   * Via sent-by of our requests and the default From host. Default: the bound address.
   */
  advertise?: { host: string; port: number };
  /**
   * Outbound proxy for the legs we place (RFC 3261 §8.1.2): 'sip:HOST:PORT;lr', sent as the INVITE's pre-loaded Route.
   * Loose routing only. A dial's own `outboundProxy` overrides it. Default: none (INVITEs go to the Request-URI).
   */
  outboundProxy?: string;
  /**
   * Where requests inside a call's dialog (BYE, INFO, re-INVITE, ACK) may come from: 'peer' — only the IP the dialog's
   * signalling came from (the INVITE's source, or the source of the responses to ours), others get 403; 'any' — whoever
   * knows its Call-ID and tags (RFC 3261 §12.2.2 alone; behind a proxy cluster that relays from several IPs).
   * Default 'peer'.
   */
  dialogSource?: 'peer' | 'any';
  logger: Logger;
  /**
   * Test hook: called for every datagram/message about to be sent or just received; returning false drops it.
   * Used to inject loss. Default: none.
   */
  lossFilter?: (direction: 'in' | 'out', message: string) => boolean;
}

/** Counters for monitoring; monotonically increasing. */
export interface SipStats {
  messagesIn: number;
  messagesOut: number;
  retransmissionsOut: number;
  retransmissionsAbsorbed: number;
  /**
   * Of those, requests other than ACK: a peer's timer (T1, 500 ms on UDP) ran out before our answer reached it. On a
   * loopback or a clean network that means we answered late; admission reads it (server/admission.ts).
   */
  peerResends: number;
  /** Requests other than ACK received, repeats included: what `peerResends` is a share of. */
  requestsIn: number;
  malformedDropped: number;
  /** In-dialog requests (BYE, INFO, re-INVITE, ACK) refused because they came from outside the dialog's peer. */
  dialogSourceRefused: number;
  /** Calls and INVITE transactions the watchdog ended, by cause (see CallWatchdog). */
  watchdogEnded: { 'no-final-after-cancel': number; 'silent-dialog': number };
}

/** Digest credentials for one outbound call. */
export interface SipCredentials {
  username: string;
  password: string;
  /** Restrict to this realm. Default: answer any realm. */
  realm?: string;
}

export interface DialOptions {
  /** Request-URI and To URI, e.g. 'sip:john@127.0.0.1:5080'. */
  to: string;
  /** From identity. host defaults to the stack's own address. */
  from: { user: string; host?: string; displayName?: string };
  /** SDP offer (may be produced by the media layer). */
  sdp: string;
  /** Extra headers, added verbatim ("Name: value"). */
  headers?: Record<string, string>;
  credentials?: SipCredentials;
  /**
   * Send this INVITE through this outbound proxy ('sip:HOST:PORT;lr'): its Route header, its CANCEL and a non-2xx's
   * ACK carry it; requests in the dialog follow the Record-Route of the answer. null: straight to the Request-URI even
   * when the stack has a default. Default: the stack's `outboundProxy`.
   */
  outboundProxy?: string | null;
}

export type CallDirection = 'inbound' | 'outbound';

/** Why a dialog or transaction ended, as seen by the layer above. */
export type CallEndReason =
  | 'bye' // the peer sent BYE
  | 'cancel' // the peer sent CANCEL (inbound) before we answered
  | 'ack-timeout' // we answered, no ACK came (Timer H / 64*T1); the stack has sent BYE
  | 'local' // we hung up / rejected / cancelled
  | 'failed' // outbound: final non-2xx response, or transaction timeout
  | 'connection-lost' // the WebSocket connection the call came on closed (a browser tab closed); nothing was sent
  | 'watchdog' // not confirmed, no transaction alive and silent for 64*T1 (CallWatchdog); nothing was sent
  | 'shutdown';

export interface SipHeaderAccess {
  /** First value of a header, case-insensitive name; undefined when absent. */
  header(name: string): string | undefined;
}

/** A request within a dialog that the layer above must answer (re-INVITE). */
export interface ReinviteRequest {
  /** The new offer, or undefined for an offerless re-INVITE (then answer with an offer). */
  sdp: string | undefined;
  /** Answer 200 with this SDP. */
  accept(sdp: string): void;
  /** Answer with a final error code, e.g. 488. */
  reject(code: number, reason?: string): void;
}

/** Outcome of a re-INVITE we sent: the final status, and the answer SDP of a 2xx (ACKed by the stack). */
export interface ReinviteResult {
  code: number;
  sdp: string | undefined;
}

/** In-dialog requests we originate, on a confirmed call (inbound after the ACK, outbound after the 2xx). */
export interface InDialogRequests {
  /**
   * Send a re-INVITE with this offer (hold: `a=sendonly`, resume: `a=sendrecv`). Resolves with the final status and,
   * on 2xx, the answer; a non-2xx (491 glare, 488, 408 timeout) leaves the session as it was. 491 also comes at once,
   * without a request, while another re-INVITE of this dialog (either way) awaits its answer or ACK: retry later
   * (RFC 3261 §14.1). Never rejects; throws
   * SIP_INVALID_STATE synchronously when the call is not confirmed.
   */
  reinvite(sdp: string): Promise<ReinviteResult>;
  /** Send an INFO (e.g. application/dtmf-relay). Resolves with the final status (408 on timeout). Throws like reinvite. */
  sendInfo(contentType: string, body: string): Promise<number>;
}

/** An INFO inside the dialog; the stack has already answered 200. */
export interface InfoRequest {
  contentType: string | undefined;
  body: string;
}

export type InboundCallEvents = {
  /** CANCEL received before we answered; the stack has sent 200 to CANCEL and 487 to INVITE. */
  cancelled: [];
  /**
   * ACK for our 2xx received: the dialog is confirmed. `sdp` is the ACK's body: the answer to the offer our 2xx
   * carried when the INVITE had none (delayed offer, RFC 3261 §13.2.1); undefined otherwise.
   */
  acked: [sdp?: string];
  /** BYE received; the stack has answered 200. */
  bye: [];
  /** No ACK for our 2xx within 64*T1: the stack has sent BYE. */
  ackTimeout: [];
  reinvite: [request: ReinviteRequest];
  info: [request: InfoRequest];
  /** Always emitted exactly once, last, whatever the cause. */
  ended: [reason: CallEndReason];
};

export type InboundCallState = 'incoming' | 'early' | 'answered' | 'confirmed' | 'ended';

/** An INVITE received from the network, from its first 100 Trying to its end. */
export interface InboundCall extends SipHeaderAccess, InDialogRequests {
  readonly direction: 'inbound';
  /** Unique id for logs and the registry (not the Call-ID). */
  readonly id: string;
  readonly callId: string;
  /** From / To header values as received, e.g. '"bee" <sip:5@127.0.0.1>;tag=x'. */
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  /** User part of the Request-URI ('35'). Empty string when the R-URI has none. */
  readonly requestUser: string;
  /** Where the INVITE came from. */
  readonly remote: { address: string; port: number; transport: SipTransportName };
  /** SDP offer of the INVITE, undefined for an offerless INVITE. */
  readonly remoteSdp: string | undefined;
  readonly state: InboundCallState;

  /**
   * Send 180 or 183, optionally with SDP (early media). Allowed in 'incoming' and 'early'. On an offerless INVITE
   * (`remoteSdp` undefined) an SDP here would be an offer in an unreliable provisional (needs 100rel, which we do not
   * do): it is left out.
   */
  progress(code: 180 | 183, sdp?: string): void;
  /**
   * Send 200 OK with SDP; retransmitted until ACK. On an offerless INVITE this SDP is our offer and the answer comes
   * in the ACK (`acked(sdp)`).
   */
  answer(sdp: string): void;
  /**
   * Final non-2xx answer, e.g. reject(404). Allowed before answer. `headers`: extra header lines, e.g.
   * `['Retry-After: 2']` on a 503.
   */
  reject(code: number, reason?: string, headers?: string[]): void;
  /**
   * End the call however its state requires: before answer → reject(code ?? 480);
   * answered/confirmed → BYE. No-op once ended.
   */
  hangup(code?: number): void;

  on<K extends keyof InboundCallEvents>(event: K, listener: (...args: InboundCallEvents[K]) => void): this;
  off<K extends keyof InboundCallEvents>(event: K, listener: (...args: InboundCallEvents[K]) => void): this;
}

export type OutboundCallEvents = {
  /** 1xx other than 100; sdp set when it carries early media. */
  provisional: [code: number, reason: string, sdp: string | undefined];
  /** 2xx received (and ACKed by the stack), with the answer SDP. */
  answered: [sdp: string | undefined];
  /** Final non-2xx (after any digest retry) or transaction timeout (code 408). */
  failed: [code: number, reason: string];
  /** BYE received from the callee; answered 200. */
  bye: [];
  reinvite: [request: ReinviteRequest];
  info: [request: InfoRequest];
  /** Always emitted exactly once, last. */
  ended: [reason: CallEndReason];
};

export type OutboundCallState = 'calling' | 'early' | 'confirmed' | 'ended';

/** An INVITE we originated. */
export interface OutboundCall extends SipHeaderAccess, InDialogRequests {
  readonly direction: 'outbound';
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  readonly state: OutboundCallState;
  /** CANCEL if no final response yet (a 2xx racing the CANCEL is ACKed then BYEd); BYE once confirmed. */
  hangup(): void;
  on<K extends keyof OutboundCallEvents>(event: K, listener: (...args: OutboundCallEvents[K]) => void): this;
  off<K extends keyof OutboundCallEvents>(event: K, listener: (...args: OutboundCallEvents[K]) => void): this;
}

/**
 * Signalling the stack still owes or awaits, i.e. what closing the sockets now would cut short. The absorption
 * windows after a transaction's final response (Timers D, I, J, K, L, M: up to 64*T1) are NOT counted.
 */
export interface PendingDialogWork {
  /** Requests we sent (INVITE, BYE, CANCEL, INFO, ...) still without a final response. */
  clientTransactions: number;
  /** Requests received not finally answered yet, and INVITEs whose non-2xx final answer (e.g. 487) awaits its ACK. */
  serverTransactions: number;
  /** Our 2xx to an INVITE, retransmitted until its ACK (or 64*T1). */
  awaitingAck: number;
  total: number;
}

/**
 * The stack. One per server process.
 *
 * @example
 * const stack = await SipStack.start({ host: '127.0.0.1', port: 5060, logger });
 * stack.onInvite((call) => { call.progress(183, sdp); call.answer(sdp); });
 * const out = stack.dial({ to: 'sip:john@127.0.0.1:5080', from: { user: 'quizconnect' }, sdp });
 */
export interface SipStackApi {
  /** The bound address. */
  readonly address: { host: string; port: number };
  /** The address we advertise (Contact, Via, From): `SipStackOptions.advertise`, else `address`. */
  readonly advertised: { host: string; port: number };
  readonly stats: SipStats;
  /**
   * The single handler of new INVITEs (dialog-creating). Until one is set, INVITEs get 503.
   * The stack has already sent 100 Trying.
   */
  onInvite(handler: (call: InboundCall) => void): void;
  /** Originate an INVITE. Errors (e.g. unresolvable URI) surface as a 'failed' event, never a throw. */
  dial(options: DialOptions): OutboundCall;
  /** What would be cut short by stop() now (0 total: nothing). */
  readonly pendingDialogWork: PendingDialogWork;
  /**
   * Resolves true when `pendingDialogWork.total` reaches 0 (every BYE/CANCEL answered, every final answer ACKed or
   * timed out), false when `timeoutMs` passes first. Call it after ending the calls, before stop().
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Close sockets, stop timers. Does not end calls: the server does that first (then drain()). */
  stop(): Promise<void>;
}
