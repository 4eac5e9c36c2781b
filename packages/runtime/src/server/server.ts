/**
 * The server: SIP stack + media engine + apps + flow runtime + registry (+ the admin HTTP API), wired together.
 * `npm run app` (cli/app.ts) is a thin shell over `startServer()`; tests call it directly.
 */
import pino, { type Logger } from 'pino';
import { SipStack } from '../sip/sip-stack.js';
import { createMediaEngine } from '../media/create-media-engine.js';
import { WorkerMediaEngine } from '../media/worker/worker-media-engine.js';
import type { SipStackApi, SipTimerOptions, WebSocketListenOptions } from '../sip/sip-types.js';
import type { TcpLimits } from '../sip/tcp-limits.js';
import type { MediaEngineApi } from '../media/media-types.js';
import { AppManager, type AppConfigSources } from './app-manager.js';
import { CallRegistry } from './call-registry.js';
import { FlowRuntime } from './flow-runtime.js';
import { startAdminServer, type AdminServer } from './admin/index.js';
import { AdmissionControl, type AdmissionOptions } from './admission.js';
import { IdleHeapTrim } from '../util/idle-heap-trim.js';

export interface ServerOptions {
  /** App names (folders under apps/), served in this order (first matching route takes an inbound call). */
  apps: string[];
  /** SIP bind address. Default { host: '127.0.0.1', port: 5060 }. */
  sip?: { host: string; port: number };
  /** The SIP address peers reach us at (Contact, Via sent-by), behind NAT or a proxy. Default: `sip`. */
  advertise?: { host: string; port: number };
  /**
   * Outbound proxy for every leg we place, 'sip:HOST:PORT;lr' (an app's `outbound_proxy` config key overrides it for
   * that app's legs). Default: none.
   */
  outboundProxy?: string;
  /** Inclusive RTP port range. Default [10000, 20000]. */
  rtpPorts?: [number, number];
  /** Admin HTTP API address; null = no admin server. Default { host: '127.0.0.1', port: 8090 }. */
  admin?: { host: string; port: number; token?: string } | null;
  /** Config file values and --set values for the apps. Default none. */
  config?: AppConfigSources;
  /** Folder of the apps. Default <repo>/apps. */
  appsDir?: string;
  /** Most legs at once (503 beyond). Default 1000. */
  maxCalls?: number;
  /**
   * Media worker threads; 0 runs the media engine on the main thread. Default: the SIPFLOW_MEDIA_WORKERS environment
   * variable when set, else cores − 1, at least 1.
   */
  mediaWorkers?: number;
  /** When new INVITEs are refused with 503 for lack of headroom. Default: see AdmissionOptions. */
  admission?: AdmissionOptions;
  /** How long ended calls stay in the registry, ms. Default 300000. */
  retainEndedMs?: number;
  /** End calls with no RTP for this long, ms (0 = never). Default 0. */
  rtpTimeoutMs?: number;
  /**
   * NAT: a stream may latch once, before it accepts any RTP, to a source on the signalling peer's IP. Default false:
   * RTP and RTCP only from the address the SDP names.
   */
  rtpLatch?: boolean;
  /**
   * SIP over WebSocket listeners (RFC 7118), for browsers: `ws` plain, `wss` with a PEM certificate and key. Calls
   * from them reach the same flows (`call.transport` says 'ws'/'wss'). Default: none.
   */
  websocket?: WebSocketListenOptions[];
  /** SIP over TCP: connection caps, idle/read timeouts, largest message. Default: DEFAULT_TCP_LIMITS (docs/sip.md). */
  sipTcp?: Partial<TcpLimits>;
  /** Requests inside a call's dialog only from its peer's IP ('peer'), or from anyone ('any'). Default 'peer'. */
  sipDialogSource?: 'peer' | 'any';
  /** SIP timers T1/T2/T4 (RFC 3261 §17), ms. Default 500/4000/5000; tests shorten them. */
  sipTimers?: SipTimerOptions;
  /** Reload an app when its files change. Default false. */
  watch?: boolean;
  logger?: Logger;
  /** pino level when no logger is given. Default 'info'. */
  logLevel?: string;
}

export interface RunningServer {
  readonly sip: { host: string; port: number };
  /** The SIP over WebSocket listeners' bound addresses (`websocket` option). */
  readonly websocket: Array<{ host: string; port: number; transport: 'ws' | 'wss' }>;
  readonly admin: { host: string; port: number } | undefined;
  readonly registry: CallRegistry;
  readonly apps: AppManager;
  readonly runtime: FlowRuntime;
  readonly stack: SipStackApi;
  readonly media: MediaEngineApi;
  readonly admission: AdmissionControl;
  /** Compacts the main heap when the last call has ended (util/idle-heap-trim.ts). */
  readonly heapTrim: IdleHeapTrim;
  readonly logger: Logger;
  /** Stop taking calls, end calls in progress cleanly, close everything. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /**
   * Drain, then stop: new INVITEs and OPTIONS get 503 + Retry-After at once, calls in progress may end on their
   * own for up to `deadlineMs`, those still up then are ended as stop() does. Resolves when stopped.
   */
  drain(deadlineMs: number): Promise<void>;
}

/** SIPFLOW_MEDIA_WORKERS (tests run the whole suite with 0 and with workers), else undefined: the default. */
function envMediaWorkers(): number | undefined {
  const v = process.env.SIPFLOW_MEDIA_WORKERS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`SIPFLOW_MEDIA_WORKERS=${v}: a whole number 0-64`);
  return n;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: options.logLevel ?? 'info' });
  const apps = new AppManager({
    logger,
    ...(options.appsDir ? { appsDir: options.appsDir } : {}),
    ...(options.config ? { config: options.config } : {}),
  });
  await apps.loadAll(options.apps);

  const sipAddr = options.sip ?? { host: '127.0.0.1', port: 5060 };
  let media: Awaited<ReturnType<typeof createMediaEngine>> | undefined;
  let stack: SipStack | undefined;
  let admin: AdminServer | undefined;
  const registry = new CallRegistry({ logger, ...(options.retainEndedMs !== undefined ? { retainEndedMs: options.retainEndedMs } : {}) });
  try {
    media = await createMediaEngine({
      host: sipAddr.host,
      logger: logger.child({ component: 'media' }),
      workers: options.mediaWorkers ?? envMediaWorkers(),
      ...(options.rtpPorts ? { portRange: options.rtpPorts } : {}),
    });
    stack = await SipStack.start({
      host: sipAddr.host,
      port: sipAddr.port,
      ...(options.advertise ? { advertise: options.advertise } : {}),
      ...(options.outboundProxy ? { outboundProxy: options.outboundProxy } : {}),
      logger: logger.child({ component: 'sip' }),
      ...(options.sipTcp ? { tcp: options.sipTcp } : {}),
      ...(options.sipTimers ? { timers: options.sipTimers } : {}),
      ...(options.sipDialogSource ? { dialogSource: options.sipDialogSource } : {}),
      ...(options.websocket?.length ? { websocket: options.websocket } : {}),
    });
  } catch (err) {
    await media?.close();
    await apps.close();
    throw err;
  }
  // Constant copies for the closures below (`stack` and `media` are assigned in try blocks above).
  const stackRef = stack;
  const mediaRef = media;
  const admission = new AdmissionControl(
    () => mediaRef.loads,
    options.admission,
    () => ({ requests: stackRef.stats.requestsIn, resends: stackRef.stats.peerResends }),
  );
  admission.start();
  const runtime = new FlowRuntime({
    admission,
    stack,
    media,
    registry,
    apps,
    logger,
    ...(options.maxCalls !== undefined ? { maxCalls: options.maxCalls } : {}),
    ...(options.rtpTimeoutMs !== undefined ? { rtpTimeoutMs: options.rtpTimeoutMs } : {}),
    ...(options.rtpLatch !== undefined ? { rtpLatch: options.rtpLatch } : {}),
  });

  const heapTrim = new IdleHeapTrim({ activeLegs: () => registry.activeCount, logger });
  registry.on('update', (record) => {
    if (record.outcome !== 'active') heapTrim.legEnded();
  });

  stack.onOptionsAvailability(() => runtime.refusingRetryAfterS);
  if (options.admin !== null) {
    const a = options.admin ?? { host: '127.0.0.1', port: 8090 };
    try {
      admin = await startAdminServer(
        { host: a.host, port: a.port, ...(a.token ? { token: a.token } : {}) },
        {
          registry,
          logger,
          apps: {
            list: () =>
              apps.names().map((name) => {
                const v = apps.current(name)!;
                return { name, version: v.version, loadedAt: v.loadedAt, flows: Object.keys(v.definition.flows) };
              }),
            reload: (name) => apps.reload(name),
          },
          flowMachine: (app, flow, version) => apps.flowMachine(app, flow, version),
          phone: () => ({ websocket: stackRef.webSocketAddresses, sip: stackRef.advertised }),
          metrics: () => {
            return {
              sip: stackRef.stats,
              media: {
                clock: mediaRef.clockStats,
                streams: mediaRef.streamCount,
                rtpPacketsIn: mediaRef.rtpPacketsIn ?? 0,
                rtpPacketsOut: mediaRef.rtpPacketsOut ?? 0,
                rtpPacketsRejected: mediaRef.rtpPacketsRejected ?? 0,
                overloaded: mediaRef.overloaded,
                ...(mediaRef instanceof WorkerMediaEngine ? { workers: mediaRef.workers, workerRestarts: mediaRef.workerRestarts } : {}),
              },
              admission: { ...admission.snapshot, refusedForResources: runtime.refusedForResources },
              heapTrim: heapTrim.stats,
            };
          },
        },
      );
    } catch (err) {
      heapTrim.stop();
      await stack.stop();
      await media.close();
      await apps.close();
      throw err;
    }
  }
  if (options.watch) {
    apps.watch((name, r) => {
      if (r.ok) logger.info({ app: name, version: r.version }, 'reloaded after a file change');
      else logger.error({ app: name, code: r.code }, `reload refused: ${r.message}`);
    });
  }

  let stopping: Promise<void> | undefined;
  const server: RunningServer = {
    sip: stack.address,
    websocket: stack.webSocketAddresses,
    admin: admin?.address,
    registry,
    apps,
    runtime,
    stack,
    media,
    admission,
    heapTrim,
    logger,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        heapTrim.stop(); // the calls ending now are not a quiet moment
        const deadline = Date.now() + graceMs;
        await runtime.shutdown(graceMs);
        // A dialog reports 'ended' when we hang up, but its BYE may still wait for the ACK of our 200, or for its
        // own 200, a CANCEL for its 487, a 487 for its ACK: close the sockets once the stack owes nothing (bounded).
        const drained = await stackRef.drain(Math.max(0, deadline - Date.now()));
        if (!drained) logger.warn({ pending: stackRef.pendingDialogWork }, 'stopping with SIP transactions still pending');
        await admin?.close();
        await stackRef.stop();
        admission.stop();
        await mediaRef.close();
        registry.close();
        await apps.close();
      })();
      return stopping;
    },
    async drain(deadlineMs) {
      if (!stopping) {
        logger.info({ active: runtime.activeCount, deadlineMs }, 'draining: new calls and OPTIONS get 503, calls in progress may finish');
        const drained = await runtime.drain(deadlineMs);
        if (!drained) logger.warn({ active: runtime.activeCount }, 'drain deadline passed: ending the calls still up');
        else logger.info('drained: no call left');
      }
      await server.stop();
    },
  };
  const mediaThreads = media instanceof WorkerMediaEngine ? `${media.workerCount} media worker thread(s)` : 'media on the main thread';
  logger.info(
    { sip: stack.address, websocket: stack.webSocketAddresses, admin: admin?.address, apps: apps.names(), media: mediaThreads },
    'sipflow serving',
  );
  return server;
}
