/**
 * What the admin HTTP server needs from the running server. The server wires these; the admin server only reads
 * (and asks for reloads).
 */
import type { Logger } from 'pino';
import type { AdmissionSnapshot } from '../admission.js';
import type { IdleHeapTrimStats } from '../../util/idle-heap-trim.js';
import type { AnyStateMachine } from 'xstate';
import type { CallRegistryView } from '../registry-types.js';
import type { SipStats } from '../../sip/sip-types.js';
import type { MediaClockStats } from '../../media/media-types.js';
import type { MediaWorkerInfo } from '../../media/index.js';
import type { FlowGraph } from '../../review/flow-graph-types.js';

/** A flow's states and transitions as served to the web page (`GET /apps/:app/flows/:flow`). */
export type FlowDiagram = FlowGraph;

export interface AdminAppInfo {
  name: string;
  /** Current version; increments on every successful reload. */
  version: number;
  /** Epoch ms the current version was loaded. */
  loadedAt: number;
  /** Names of the app's flows. */
  flows: string[];
}

export type ReloadResult = { ok: true; version: number } | { ok: false; code: string; message: string };

export interface AdminApps {
  list(): AdminAppInfo[];
  /** Load the app's code again for new calls. A broken version is refused ({ ok: false }) and the old one keeps serving. */
  reload(name: string): Promise<ReloadResult>;
}

/** Media figures for /metrics. */
export interface MediaMetrics {
  clock: MediaClockStats;
  /** Streams open now. */
  streams: number;
  /** RTP packets received / sent since start (all streams, closed ones included). */
  rtpPacketsIn: number;
  rtpPacketsOut: number;
  /** RTP and RTCP packets dropped because they came from a source the SDP did not name (nor a latch allowed). */
  rtpPacketsRejected: number;
  /** True while every media clock is behind its budget. */
  overloaded: boolean;
  /** Media worker threads (absent when media runs on the main thread). */
  workers?: Array<Omit<MediaWorkerInfo, 'generation' | 'threadId' | 'clock'>>;
  workerRestarts?: number;
}

/**
 * The admission rule's state (server/admission.ts), and the INVITEs refused because their call would not fit: the
 * call limit ('calls') or the RTP ports of a media worker's share ('ports') (server/flow-runtime.ts).
 */
export type AdmissionMetrics = AdmissionSnapshot & { refusedForResources?: { calls: number; ports: number } };

/**
 * Counters the admin server cannot see itself. Call counts and event-loop lag are measured by the admin server
 * (from the registry's 'update' events and perf_hooks), so they are not part of this.
 */
export interface MetricsSnapshot {
  sip?: SipStats;
  media?: MediaMetrics;
  admission?: AdmissionMetrics;
  /** Compactions of the main heap run when no call was left (util/idle-heap-trim.ts). */
  heapTrim?: IdleHeapTrimStats;
}

export interface AdminDeps {
  registry: CallRegistryView;
  apps: AdminApps;
  /**
   * The XState machine of a flow, for its diagram. `version` is the app version a call runs on (calls in progress
   * keep the version they started with); undefined = current. Return undefined when unknown or no longer kept.
   * The admin server derives the diagram itself (src/review) and caches it per machine object.
   */
  flowMachine(app: string, flow: string, version?: number): AnyStateMachine | undefined;
  metrics(): MetricsSnapshot;
  /** For the phone page: the SIP over WebSocket listeners and the SIP address calls go to. Absent: no phone. */
  phone?: () => { websocket: Array<{ host: string; port: number; transport: 'ws' | 'wss' }>; sip: { host: string; port: number } };
  logger: Logger;
}

export interface AdminServerOptions {
  /** Address to bind. Loopback: token optional. Anything else: a token is required. Default '127.0.0.1'. */
  host?: string;
  /** Port (0 = ephemeral; read it back from `address`). Default 8090. */
  port?: number;
  /** Bearer token. When set, every request needs `Authorization: Bearer <token>` (or the web page's cookie). */
  token?: string;
}

export interface AdminServer {
  readonly address: { host: string; port: number };
  /** Stop listening, end SSE streams. */
  close(): Promise<void>;
}
