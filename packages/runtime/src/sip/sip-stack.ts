import type { Logger } from 'pino';
import {
  IncomingRequestMessage,
  IncomingResponseMessage,
  InviteServerTransaction,
  InviteUserAgentServer,
  TransactionState,
  URI,
  UserAgentCore,
  type IncomingInviteRequest,
  type LoggerFactory,
  type UserAgentCoreConfiguration,
} from 'sip.js/lib/core/index.js';
import { callCredentials } from './call-credentials.js';
import { CallSet } from './call-set.js';
import { CancelAnswers } from './cancel-answers.js';
import { CompletedTransactions } from './completed-transactions.js';
import { CallWatchdog } from './call-watchdog.js';
import { DialogPeers, type DialogSourcePolicy } from './dialog-peers.js';
import { SipInboundCall } from './inbound-call.js';
import { headerRefusal, inviteBodyRefusal } from './request-policy.js';
import { serverTransactionKey } from './transaction-key.js';
import { SipOutboundCall } from './outbound-call.js';
import { parseOutboundProxy } from './outbound-proxy.js';
import { ResponseTag } from './response-tag.js';
import { sipErrors } from './errors.js';
import { zeroSipStats } from './sip-stats.js';
import { sipJsLoggerFactory } from './sip-log.js';
import { parseSipMessage } from './sip-message-parser.js';
import type { DialOptions, InboundCall, OutboundCall, PendingDialogWork, SipStackApi, SipStackOptions, SipStats } from './sip-types.js';
import { stackScope, type StackScope } from './timer-scope.js';
import { coreTimers, resolveTimers, type ResolvedTimers } from './timers.js';
import { SipTransport, type Remote } from './transport.js';
import { firstHeader, headerLines, parseSipUri, randomToken, responseDestination, statelessResponse, stampVia, type MessageKey } from './wire.js';

/** Methods we implement. Out of dialog: INVITE, OPTIONS (and ACK/BYE/CANCEL matched to what exists). */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO'] as const;
const ALLOW_HEADER = `Allow: ${ALLOWED_METHODS.join(', ')}`;
/** SIP option tags (RFC 3261 §19.2) we implement; a Require of any other gets 420 Bad Extension. None yet. */
const SUPPORTED_OPTION_TAGS: ReadonlySet<string> = new Set<string>();
/** Methods we know but do not support (→ 405); anything else is unknown (→ 501). RFC 3261 §8.2.1. */
const KNOWN_METHODS = new Set([...ALLOWED_METHODS, 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'REFER', 'PUBLISH', 'UPDATE', 'PRACK']);
/** How often finished transactions are handed to CompletedTransactions: a second of 64·T1 kept whole, at most. */
const RETIRE_EVERY_MS = 1000;
/** Client transaction states before the final response: the request is still being (re)sent. */
const CLIENT_BUSY = new Set<TransactionState>([TransactionState.Calling, TransactionState.Trying, TransactionState.Proceeding]);
/** In-dialog requests that act on a call: taken only from its dialog peer (`DialogPeers`). */
const DIALOG_GUARDED = new Set(['BYE', 'INFO', 'INVITE', 'ACK']);
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/**
 * The SIP stack: sip.js's UserAgentCore (transactions, dialogs, parser) on our own UDP/TCP transport, with the
 * RFC 3261 §17 retransmission timers, received/rport, any-user INVITEs, method policy and input hygiene added
 * around it. See docs/sip.md.
 *
 * @example
 * const stack = await SipStack.start({ host: '127.0.0.1', port: 5060, logger });
 * stack.onInvite((call) => { call.progress(183, sdp); call.answer(sdp); });
 */
export class SipStack implements SipStackApi {
  readonly stats: SipStats = zeroSipStats();
  readonly #log: Logger;
  readonly #userAgent: string;
  readonly #advertise: { host: string; port: number } | undefined;
  readonly #outboundProxy: string | undefined;
  readonly #loggerFactory: LoggerFactory;
  #transport!: SipTransport;
  #timers!: ResolvedTimers;
  /** Work of this stack: sip.js's timeouts armed in it are this stack's (timer-scope.ts). */
  #inStack!: StackScope;
  #core!: UserAgentCore;
  #aorUser = 'sipflow';
  #handler: ((call: InboundCall) => void) | undefined;
  #optionsUnavailable: () => number | undefined = () => undefined;
  /**
   * Where a request came from and its original Request-URI, by message object: sip.js hands the INVITE back to
   * `onInvite` as the same object (`uas.message`), without the transport's source address.
   */
  readonly #origins = new WeakMap<IncomingRequestMessage, { remote: Remote; requestUri: string }>();
  readonly #calls = new CallSet();
  #watchdog!: CallWatchdog;
  /** CANCELs answered 200 within the last 64·T1: a retransmission gets the same 200 (their own transactions). */
  #cancelAnswers!: CancelAnswers;
  /** Transactions that only absorb repeats, kept as the few strings that needs (completed-transactions.ts). */
  #completed!: CompletedTransactions;
  #retireTimer: ReturnType<typeof setInterval> | undefined;
  readonly #dialogPeers = new DialogPeers();
  readonly #dialogSource: DialogSourcePolicy;
  #stopped = false;

  private constructor(options: SipStackOptions) {
    this.#log = options.logger;
    this.#userAgent = options.userAgent ?? 'sipflow';
    this.#advertise = options.advertise;
    this.#outboundProxy = options.outboundProxy;
    this.#dialogSource = options.dialogSource ?? 'peer';
    this.#loggerFactory = sipJsLoggerFactory(options.logger.child({ layer: 'sip.js' }));
  }

  static async start(options: SipStackOptions): Promise<SipStack> {
    if (options.outboundProxy !== undefined) {
      const proxy = parseOutboundProxy(options.outboundProxy);
      if (typeof proxy === 'string') throw sipErrors.badOutboundProxy(proxy);
    }
    const stack = new SipStack(options);
    const timers = resolveTimers(options.timers);
    stack.#timers = timers;
    const inStack = stackScope(coreTimers(timers));
    stack.#inStack = inStack;
    stack.#transport = await SipTransport.listen({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 5060,
      transports: options.transports ?? ['udp', 'tcp'],
      timers,
      logger: options.logger,
      stats: stack.stats,
      lossFilter: options.lossFilter,
      tcpLimits: options.tcp,
      websocket: options.websocket,
      onConnectionLost: (callId) => inStack(() => stack.#onConnectionLost(callId)),
      onMessage: (text, remote, key, repeat) => inStack(() => stack.#onMessage(text, remote, key, repeat)),
    });
    stack.#core = new UserAgentCore(stack.#configuration(), {
      onInvite: (uas) => stack.#onInvite(uas),
    });
    stack.#watchdog = new CallWatchdog(
      timers.t1,
      () => stack.#core,
      () => stack.#calls.values(),
      stack.stats,
      stack.#log,
    );
    stack.#cancelAnswers = new CancelAnswers(64 * timers.t1);
    stack.#completed = new CompletedTransactions(64 * timers.t1, RETIRE_EVERY_MS, (text) => void stack.#transport.send(text));
    stack.#retireTimer = setInterval(() => inStack(() => stack.#retireCompleted()), RETIRE_EVERY_MS);
    stack.#retireTimer.unref();
    return stack;
  }

  get address(): { host: string; port: number } {
    return this.#transport.address;
  }

  /** Bound SIP over WebSocket listeners (`websocket` option), in the order given. */
  get webSocketAddresses(): Array<{ host: string; port: number; transport: 'ws' | 'wss' }> {
    return this.#transport.webSocketAddresses;
  }

  get advertised(): { host: string; port: number } {
    return this.#advertise ?? this.#transport.address;
  }

  onInvite(handler: (call: InboundCall) => void): void {
    this.#handler = handler;
  }

  /**
   * While `retryAfterS()` returns seconds, an OPTIONS out of dialog is answered 503 with that Retry-After instead of
   * 200: a proxy probing with OPTIONS (Kamailio's dispatcher) takes the server out of rotation while it drains or
   * refuses new calls, and back when it answers 200 again.
   */
  onOptionsAvailability(retryAfterS: () => number | undefined): void {
    this.#optionsUnavailable = retryAfterS;
  }

  dial(options: DialOptions): OutboundCall {
    return this.#inStack(() => this.#dial(options));
  }

  #dial(options: DialOptions): OutboundCall {
    const id = `out-${randomToken(12)}`;
    const call = new SipOutboundCall(id, options, this.#log.child({ call: id }), {
      core: this.#core,
      loggerFactory: this.#loggerFactory,
      local: this.advertised,
      outboundProxy: options.outboundProxy === null ? undefined : (options.outboundProxy ?? this.#outboundProxy),
      resolve: (host) => this.#transport.resolve(host),
      onEnded: () => {
        this.#calls.delete(id);
        this.#dialogPeers.forget(call.callId);
      },
      onCancelSent: (uac) => this.#watchdog.cancelSent(uac, call.callId),
      inStack: this.#inStack,
    });
    this.#calls.add(id, call);
    if (call.state !== 'ended') this.#dialogPeers.track(call.callId);
    return call;
  }

  /**
   * What still needs the sockets open for the peers to get a clean end (see `PendingDialogWork`). The absorption
   * windows (Timer D/I/J/K/L/M) are not counted: dropping a late retransmission there harms no one.
   */
  get pendingDialogWork(): PendingDialogWork {
    let clientTransactions = 0;
    for (const uac of this.#core.userAgentClients.values()) {
      if (CLIENT_BUSY.has(uac.transaction.state)) clientTransactions++;
    }
    let serverTransactions = 0;
    for (const uas of this.#core.userAgentServers.values()) {
      const state = uas.transaction.state;
      // Proceeding: no final answer yet; Completed (INVITE): our non-2xx is retransmitted until its ACK.
      if (state === TransactionState.Trying || state === TransactionState.Proceeding) serverTransactions++;
      else if (state === TransactionState.Completed && uas.transaction instanceof InviteServerTransaction) serverTransactions++;
    }
    // 2xx answers of ours to an INVITE whose ACK has not come (each call tells us: sip.js keeps this to its dialog).
    const awaitingAck = this.#awaitingAck.size;
    return { clientTransactions, serverTransactions, awaitingAck, total: clientTransactions + serverTransactions + awaitingAck };
  }

  /**
   * Resolves true once nothing in `pendingDialogWork` is left (every BYE/CANCEL/INVITE we sent has its final
   * response, every final answer we sent has its ACK or gave up), false if `timeoutMs` passed first. Transactions end
   * on their own timers too (B, F, H), so the table is sampled every 20 ms as well as after each message.
   */
  drain(timeoutMs: number): Promise<boolean> {
    const idle = () => this.#stopped || this.pendingDialogWork.total === 0;
    if (idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.#drainWaiters.delete(probe);
        resolve(drained);
      };
      const probe = () => {
        if (idle()) done(true);
      };
      const tick = () => {
        if (idle()) return done(true);
        const left = deadline - Date.now();
        if (left <= 0) return done(false);
        timer = setTimeout(tick, Math.min(20, left));
      };
      this.#drainWaiters.add(probe);
      tick();
    });
  }

  /** Checks of pending drain() calls, run after every message too (a final response usually ends the wait). */
  readonly #drainWaiters = new Set<() => void>();

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#watchdog.stop();
    this.#cancelAnswers.stop();
    clearInterval(this.#retireTimer);
    for (const call of this.#calls.all()) call.shutdown();
    this.#core.dispose();
    await this.#transport.close();
  }

  /** Internal table sizes, for leak checks in tests and monitoring. */
  get internals(): { transactions: number; completedTransactions: number; dialogs: number; dialogPeers: number; inviteKeys: number; calls: number } {
    return {
      transactions: this.#core.userAgentServers.size + this.#core.userAgentClients.size,
      completedTransactions: this.#completed.size,
      dialogs: this.#core.dialogs.size,
      dialogPeers: this.#dialogPeers.size,
      inviteKeys: this.#inviteKeys.size,
      calls: this.#calls.size,
    };
  }

  /** Calls not ended yet (inbound and outbound). */
  get activeCalls(): number {
    return this.#calls.size;
  }

  /** Calls that came over a WebSocket, by Call-ID: their connection closing ends them. */
  readonly #byCallId = new Map<string, SipInboundCall>();

  /**
   * A WebSocket client's connection closed (its tab was closed, its network went away) while a call of it was up: no
   * request can reach it any more (its Contact is an `.invalid` host), so the call ends now rather than on RTP
   * timeout. The flow sees a hangup from the far end.
   */
  #onConnectionLost(callId: string): void {
    const call = this.#byCallId.get(callId);
    if (!call) return;
    this.#log.info({ call: call.id, callId }, 'sip: WebSocket connection of a call closed: call ended');
    call.connectionLost();
  }

  /** Inbound calls (by id) whose 2xx waits for its ACK, ended ones included (a local hangup waits for it to BYE). */
  readonly #awaitingAck = new Set<string>();

  /**
   * The To tag of each INVITE's responses, by sip.js's server (the object `onInvite` got and `userAgentServers` holds):
   * the 200 to a CANCEL carries it. Shared with the call, which learns or fixes it (never the call itself: sip.js
   * keeps its server 64*T1).
   */
  readonly #responseTags = new WeakMap<object, ResponseTag>();

  /** An INVITE the stack refuses before any call exists, with a To tag it remembers for a CANCEL's 200. */
  #refuseInvite(uas: IncomingInviteRequest, statusCode: number): void {
    const tag = new ResponseTag();
    this.#responseTags.set(uas, tag);
    uas.reject({ statusCode, toTag: tag.value });
  }

  /** From-tag|Call-ID|CSeq of live INVITE server transactions: the merged-request check (482) of `#outsideDialog`. */
  readonly #inviteKeys = new Set<string>();

  #configuration(): UserAgentCoreConfiguration {
    const { host, port } = this.advertised;
    const hostport = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const aor = new URI('sip', this.#aorUser, host, port);
    const contactUri = new URI('sip', this.#aorUser, host, port);
    return {
      aor,
      contact: {
        pubGruu: undefined,
        tempGruu: undefined,
        uri: contactUri,
        toString: () => `<sip:${this.#aorUser}@${hostport}>`,
      },
      displayName: '',
      loggerFactory: this.#loggerFactory,
      hackViaTcp: false,
      routeSet: [],
      sipjsId: randomToken(6),
      supportedOptionTags: [],
      supportedOptionTagsResponse: [],
      userAgentHeaderFieldValue: this.#userAgent,
      viaForceRport: true,
      viaHost: hostport,
      // A call's own credentials, while sip.js answers that call's challenge (call-credentials.ts).
      authenticationFactory: callCredentials,
      transportAccessor: () => this.#transport,
    };
  }

  #malformed(remote: Remote, reason: string): void {
    this.stats.malformedDropped++;
    this.#log.warn({ remote: `${remote.transport}:${remote.address}:${remote.port}`, reason }, 'sip: malformed message dropped');
  }

  #reply(request: string, code: number, reason: string, extra: string[] = [], toTag?: string): void {
    const response = statelessResponse(request, code, reason, extra, this.#userAgent, toTag);
    const dest = responseDestination(response);
    if (dest) this.#transport.sendTo(response, dest).catch(() => undefined);
  }

  #onMessage(raw: string, remote: Remote, key: MessageKey | undefined, repeat: boolean): void {
    if (this.#stopped) return;
    if (!key) {
      this.#malformed(remote, 'no start line');
      return;
    }
    const isRequest = key.isRequest;
    const framed = frameBody(raw);
    if (framed === undefined) {
      this.#malformed(remote, 'body shorter than Content-Length');
      if (isRequest && key.method !== 'ACK' && key.branch) this.#reply(raw, 400, 'Bad Request');
      return;
    }
    if (isRequest && key.method !== 'ACK') this.stats.requestsIn++;
    if (isRequest && repeat) {
      this.stats.retransmissionsAbsorbed++;
      if (key.method !== 'ACK') this.stats.peerResends++;
    }
    this.#watchdog.heard(key.callId);
    const text = isRequest ? stampVia(framed, remote.address, remote.port, remote.transport !== 'udp') : framed;
    if (isRequest && !(ALLOWED_METHODS as readonly string[]).includes(key.method)) {
      this.#refuseMethod(text, key.method, remote);
      return;
    }
    let message: IncomingRequestMessage | IncomingResponseMessage | undefined;
    try {
      message = parseSipMessage(text);
    } catch {
      message = undefined;
    }
    if (!message) {
      this.#malformed(remote, 'unparseable');
      // A request whose Via we can read still deserves a 400 (RFC 3261 §8.2.2 spirit).
      if (isRequest && key.method !== 'ACK' && key.branch) this.#reply(text, 400, 'Bad Request');
      return;
    }
    try {
      if (message instanceof IncomingRequestMessage) this.#onRequest(message, text, remote);
      else this.#onResponse(message, remote);
    } catch (err) {
      // sip.js throws on protocol states it does not expect; a peer must not be able to crash us with them.
      this.#log.warn({ err: (err as Error).message, remote: `${remote.address}:${remote.port}` }, 'sip: message processing failed');
    }
    if (this.#drainWaiters.size > 0) for (const check of [...this.#drainWaiters]) check();
  }

  /**
   * A method we do not serve gets 405 (known) or 501 (unknown) with Allow (RFC 3261 §8.2.1), answered from the raw
   * text: its To, From or Contact may use URI schemes sip.js's parser refuses (RFC 4475 unksm2), which do not matter
   * to a refusal. Missing mandatory headers and the raw-text checks still get 400.
   */
  #refuseMethod(text: string, method: string, remote: Remote): void {
    const present = new Set(headerLines(text).map(([name]) => name));
    const missing = ['via', 'from', 'to', 'call-id', 'cseq'].find((name) => !present.has(name));
    const cseqMethod = firstHeader(text, 'cseq')?.trim().split(/\s+/)[1];
    const refused = missing ? undefined : headerRefusal(text);
    if (missing || !TOKEN.test(method) || cseqMethod !== method || refused) {
      const reason = missing ? `Missing ${missing}` : !TOKEN.test(method) ? 'Invalid method' : (refused?.reason ?? 'CSeq method does not match');
      this.#malformed(remote, reason);
      if (present.has('via')) this.#reply(text, refused?.code ?? 400, reason, refused?.headers);
      return;
    }
    if (KNOWN_METHODS.has(method)) this.#reply(text, 405, 'Method Not Allowed', [ALLOW_HEADER]);
    else this.#reply(text, 501, 'Not Implemented', [ALLOW_HEADER]);
  }

  #onRequest(message: IncomingRequestMessage, text: string, remote: Remote): void {
    const method = message.method;
    const bad = requestDefect(message);
    if (bad) {
      this.#malformed(remote, bad);
      if (method !== 'ACK' && message.via) this.#reply(text, 400, bad);
      return;
    }
    const refused = headerRefusal(text);
    if (refused) {
      this.#malformed(remote, refused.reason);
      if (method !== 'ACK') this.#reply(text, refused.code, refused.reason, refused.headers);
      return;
    }
    if (method !== 'ACK' && method !== 'CANCEL') {
      // RFC 3261 §8.2.2.3: an extension the client requires and we lack (100rel, timer, ...) → 420, listed in
      // Unsupported; the client may retry without it. Proceeding would break its expectations (e.g. PRACK).
      const required = message
        .getHeaders('require')
        .flatMap((h) => h.split(','))
        .map((t) => t.trim())
        .filter(Boolean);
      const unsupported = required.filter((t) => !SUPPORTED_OPTION_TAGS.has(t.toLowerCase()));
      if (unsupported.length > 0) {
        this.#reply(text, 420, 'Bad Extension', [`Unsupported: ${unsupported.join(', ')}`]);
        return;
      }
    }
    const body = method === 'INVITE' ? inviteBodyRefusal(message) : undefined;
    if (body) {
      this.#log.info({ from: `${remote.address}:${remote.port}`, code: body.code }, `sip: INVITE refused: ${body.reason}`);
      this.#reply(text, body.code, body.reason, body.headers);
      return;
    }
    const requestUri = text.slice(0, text.indexOf('\r\n')).split(' ')[1] ?? message.ruri!.toString();
    if (method === 'CANCEL') {
      this.#onCancel(text, serverTransactionKey(message, remote, requestUri), serverTransactionKey(message, remote, requestUri, 'INVITE'), message);
      return;
    }
    if (method === 'OPTIONS' && !message.toTag) {
      const retryAfter = this.#optionsUnavailable();
      if (retryAfter !== undefined) this.#reply(text, 503, 'Service Unavailable', [`Retry-After: ${retryAfter}`, ALLOW_HEADER]);
      else this.#reply(text, 200, 'OK', [ALLOW_HEADER, 'Accept: application/sdp']);
      return;
    }
    // sip.js 404s requests whose R-URI user is not its AOR's: we take any user at our address. Keep the original
    // R-URI for the call object, give the core its AOR user.
    const ruri = message.ruri!;
    if (ruri.user !== this.#aorUser) {
      const alias = ruri.clone();
      alias.user = this.#aorUser;
      message.ruri = alias;
    }
    // RFC 2543 clients may omit an INVITE's Contact (requestDefect let it through): their From URI is the target.
    if (method === 'INVITE' && !message.hasHeader('contact')) message.addHeader('Contact', `<${message.from.uri.toString()}>`);
    if (message.toTag && DIALOG_GUARDED.has(method) && !this.#fromDialogPeer(message, remote)) {
      this.stats.dialogSourceRefused++;
      this.#log.warn(
        { callId: message.callId, method, from: `${remote.transport}:${remote.address}:${remote.port}` },
        'sip: request inside a call from outside its dialog peer refused (403)',
      );
      if (method !== 'ACK') this.#reply(text, 403, 'Forbidden');
      return;
    }
    this.#origins.set(message, { remote, requestUri });
    let transaction = serverTransactionKey(message, remote, requestUri);
    if (!this.#core.userAgentServers.has(transaction) && this.#completed.request(transaction, method)) return;
    // An RFC 2543 ACK for our 2xx has its INVITE's key; it belongs to the dialog (RFC 6026 §7.1), not the transaction.
    if (method === 'ACK' && this.#core.userAgentServers.get(transaction)?.transaction.state === TransactionState.Accepted) transaction += '|2xx';
    message.viaBranch = transaction;
    if (!message.toTag && !this.#core.userAgentServers.has(transaction)) this.#outsideDialog(message, text);
    else this.#core.receiveIncomingRequestFromTransport(message);
  }

  /**
   * A request with no To tag that matches no server transaction: new, outside any dialog. The core would check it
   * against every live server transaction for a merged request (RFC 3261 §8.2.2.2), a scan per new INVITE that made
   * the core quadratic in the calls alive; the stack takes the core's steps for such requests itself (RFC 3261 §8.2),
   * with the check on an index of the live INVITEs, and builds the INVITE's server (sip.js's InviteUserAgentServer, as
   * the core would) itself. OPTIONS and CANCEL never get here (answered above).
   */
  #outsideDialog(message: IncomingRequestMessage, text: string): void {
    if (message.ruri!.scheme !== 'sip') {
      if (message.method !== 'ACK') this.#reply(text, 416, 'Unsupported URI Scheme');
      return;
    }
    if (this.#inviteKeys.has(mergeKey(message))) {
      // The same request again by another path (a forking proxy): the first one is being answered.
      if (message.method !== 'ACK') this.#reply(text, 482, 'Loop Detected');
      return;
    }
    switch (message.method) {
      case 'INVITE':
        this.#onInvite(new InviteUserAgentServer(this.#core, message));
        return;
      case 'BYE':
        this.#reply(text, 481, 'Call/Transaction Does Not Exist');
        return;
      case 'INFO':
        this.#reply(text, 405, 'Method Not Allowed', [ALLOW_HEADER]);
        return;
      default:
        // ACK matching nothing (its transaction is gone): dropped, as a stateless UAS does (RFC 3261 §8.2.7).
        return;
    }
  }

  /**
   * CANCEL (RFC 3261 §9.2), as sip.js's core does it but with the To tag of the INVITE's responses in the 200 (sip.js
   * picks a new tag per reply, so a retransmitted CANCEL would get a different 200), and matched to its INVITE by
   * branch, sent-by and source (`serverTransactionKey`): a stranger's copy gets 481. A CANCEL is its own transaction:
   * a retransmission of one we answered gets its 200 again (`CancelAnswers`), even once the INVITE's has ended.
   */
  #onCancel(text: string, cancelKey: string, inviteKey: string, message: IncomingRequestMessage): void {
    const answered = this.#cancelAnswers.toTagOf(cancelKey);
    if (answered !== undefined) {
      this.#reply(text, 200, 'OK', [], answered);
      return;
    }
    const uas = this.#core.userAgentServers.get(inviteKey);
    if (!uas) {
      // Answered 2xx and retired: a CANCEL then gets 200 and changes nothing (RFC 3261 §9.2).
      const answered = this.#completed.answeredInvite(inviteKey);
      if (!answered) {
        this.#reply(text, 481, 'Call/Transaction Does Not Exist');
        return;
      }
      const toTag = answered.toTag ?? randomToken(10);
      this.#reply(text, 200, 'OK', [], toTag);
      this.#cancelAnswers.answered(cancelKey, toTag);
      return;
    }
    const toTag = this.#responseTags.get(uas)?.value ?? randomToken(10);
    this.#reply(text, 200, 'OK', [], toTag);
    this.#cancelAnswers.answered(cancelKey, toTag);
    const transaction = uas.transaction;
    if (uas instanceof InviteUserAgentServer && transaction instanceof InviteServerTransaction && transaction.state === TransactionState.Proceeding) {
      uas.receiveCancel(message);
    }
  }

  /**
   * Whether an in-dialog request may act on its dialog: one of our calls' dialogs takes requests only from its peer's
   * IP (`DialogPeers`), unless `dialogSource` is 'any'. A request matching no dialog goes on (the core answers 481).
   */
  #fromDialogPeer(message: IncomingRequestMessage, remote: Remote): boolean {
    if (this.#dialogSource === 'any') return true;
    if (!this.#core.dialogs.has(message.callId + message.toTag + message.fromTag)) return true;
    return this.#dialogPeers.allows(message.callId, remote.address);
  }

  #onResponse(message: IncomingResponseMessage, remote: Remote): void {
    if (!message.statusCode || !message.via || !message.callId || !message.cseq || !message.from || !message.to) {
      this.#malformed(remote, 'response without mandatory headers');
      return;
    }
    if (!this.#core.userAgentClients.has(message.viaBranch + message.method) && this.#completed.response(message, this.#core)) return;
    if (message.method === 'INVITE') this.#dialogPeers.answeredFrom(message.callId, remote.address, message.getHeader('contact'));
    this.#core.receiveIncomingResponseFromTransport(message);
  }

  /**
   * An INVITE whose call ended without a final answer — a transport error ended it (e.g. its Via asks for TCP back to
   * a port nobody listens on) — will never get one, and sip.js's server transaction has no timer before its final
   * answer: it would stay in the core's table, with its merge key, for ever (RFC 3261 §17.2.4: on a transport error
   * the transaction ends). Taken out here with public members only; a retransmission of the INVITE is then a new one.
   */
  #giveUpUnanswered(uas: IncomingInviteRequest, key: string): void {
    const server = uas as InviteUserAgentServer;
    const state = server.transaction.state;
    if (state !== TransactionState.Trying && state !== TransactionState.Proceeding) return;
    for (const [id, s] of this.#core.userAgentServers) if (s === server) this.#core.userAgentServers.delete(id);
    server.dispose();
    this.#inviteKeys.delete(key);
    this.#log.warn({ callId: uas.message.callId }, 'sip: INVITE given up: its call ended before any final answer could be sent');
  }

  /** Hands transactions that only wait for repeats to `#completed`; INVITE ones once no call of ours has their Call-ID. */
  #retireCompleted(): void {
    if (this.#stopped) return;
    const live = new Set<string>();
    for (const call of this.#calls.values()) live.add(call.callId);
    try {
      this.#completed.retire(this.#core, (callId) => live.has(callId));
    } catch (err) {
      // sip.js throws on states it does not expect: the transactions left then end on their own timers.
      this.#log.warn({ err: (err as Error).message }, 'sip: finished transactions not retired');
    }
  }

  #onInvite(uas: IncomingInviteRequest): void {
    const origin = this.#origins.get(uas.message);
    if (!origin) {
      // Every INVITE reaches the core through #onRequest, which records it: this is a bug, not a peer's doing.
      this.#log.error({ callId: uas.message.callId }, 'sip: INVITE without a recorded source: refused');
      this.#refuseInvite(uas, 500);
      return;
    }
    const { remote, requestUri } = origin;
    const id = `in-${randomToken(12)}`;
    const key = mergeKey(uas.message);
    this.#inviteKeys.add(key);
    const transaction = (uas as InviteUserAgentServer).transaction;
    const forget = () => {
      if (transaction.state !== TransactionState.Terminated) return;
      transaction.removeStateChangeListener(forget);
      this.#inviteKeys.delete(key);
    };
    transaction.addStateChangeListener(forget);
    uas.trying();
    if (!this.#handler || this.#stopped) {
      this.#refuseInvite(uas, 503);
      return;
    }
    if (remote.transport !== 'udp') this.#transport.bindCall(uas.message.callId, remote);
    const requestUser = parseSipUri(requestUri)?.user ?? '';
    const responseTag = new ResponseTag();
    this.#responseTags.set(uas, responseTag);
    const call = new SipInboundCall(uas, {
      id,
      requestUri,
      requestUser: safeDecode(requestUser),
      remote,
      log: this.#log.child({ call: id }),
      contact: this.#core.configuration.contact.toString(),
      responseTag,
      inStack: this.#inStack,
      onAckWait: (waiting) => (waiting ? this.#awaitingAck.add(id) : this.#awaitingAck.delete(id)),
      onEnded: () => {
        this.#calls.delete(id);
        this.#byCallId.delete(uas.message.callId);
        // After the turn in which the call ended (its final answer, if any, is then on its way).
        setImmediate(() => this.#giveUpUnanswered(uas, key));
        this.#dialogPeers.forget(uas.message.callId);
        if (remote.transport !== 'udp') {
          // Keep the connection mapping while the BYE (or its answer) may still be in flight.
          const callId = uas.message.callId;
          const t: { unref?: () => void } = setTimeout(() => this.#transport.forgetCall(callId), 64 * this.#timers.t1);
          t.unref?.();
        }
      },
    });
    this.#calls.add(id, call);
    this.#dialogPeers.track(uas.message.callId, remote.address, uas.message.getHeader('contact'));
    if (remote.transport === 'ws' || remote.transport === 'wss') this.#byCallId.set(uas.message.callId, call);
    try {
      this.#handler(call);
    } catch (err) {
      this.#log.error({ err }, 'sip: onInvite handler threw');
      if (call.state === 'incoming' || call.state === 'early') call.reject(500);
    }
  }
}

/**
 * RFC 3261 §18.3 on a datagram: a body longer than Content-Length is cut to it; shorter means the message was
 * truncated (undefined). Without Content-Length the datagram's end is the body's end.
 */
function frameBody(text: string): string | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return text;
  const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i.exec(text.slice(0, end + 2));
  if (!m) return text;
  const length = Number(m[1]);
  const body = Buffer.from(text.slice(end + 4), 'utf8');
  if (body.length < length) return undefined;
  if (body.length === length) return text;
  return text.slice(0, end + 4) + body.subarray(0, length).toString('utf8');
}

function mergeKey(m: IncomingRequestMessage): string {
  return `${m.fromTag}|${m.callId}|${m.cseq}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Mandatory header checks (RFC 3261 §8.1.1, §8.2.2) sip.js's parser does not make. */
function requestDefect(m: IncomingRequestMessage): string | undefined {
  if (!TOKEN.test(m.method)) return 'Invalid method';
  if (!m.ruri) return 'Invalid Request-URI';
  if (!m.via) return 'Missing or invalid Via';
  // No branch, or one without the magic cookie: an RFC 2543 client, matched by the §17.2.3 fallback (transaction-key.ts).
  const rfc2543 = !m.viaBranch?.startsWith('z9hG4bK');
  if (!m.from) return 'Missing or invalid From';
  if (!m.to) return 'Missing or invalid To';
  if (!m.callId) return 'Missing Call-ID';
  if (!m.cseq || !Number.isFinite(m.cseq)) return 'Missing or invalid CSeq';
  const cseqMethod = m.getHeader('cseq')?.trim().split(/\s+/)[1];
  if (cseqMethod !== m.method) return 'CSeq method does not match';
  // RFC 2543 made Contact optional (RFC 4475 §3.4.1 inv2543 has none): in-dialog requests then go to the From URI.
  if (m.method === 'INVITE' && !m.hasHeader('contact') && !rfc2543) return 'Missing Contact';
  return undefined;
}
