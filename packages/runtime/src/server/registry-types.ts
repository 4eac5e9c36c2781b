/**
 * What the server records about every call (the tutorial's monitoring module: dsm_state, dsm_stategraph),
 * and the read side the admin API, the CLI and the web page use. Filled from XState's inspection stream.
 */

import type { StateGraphStep } from '../flow/state-graph.js';

/** Produced by the flow layer (flow/state-graph.ts); re-exported here because every call record carries one. */
export type { StateGraphStep };

export type CallOutcome = 'active' | 'completed' | 'rejected' | 'cancelled' | 'failed' | 'error';

export interface CallRecord {
  /** Unique call id (the SIP layer's call.id). */
  id: string;
  app: string;
  /** Version of the app the call runs on (increments on every reload). */
  appVersion: number;
  flow: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  requestUri: string;
  /** The SIP Call-ID of its dialog (the phone page finds its own call by it; logs and captures too). */
  sipCallId?: string;
  /** How its signalling travels ('ws'/'wss': a browser, SIP over WebSocket). */
  transport?: 'udp' | 'tcp' | 'ws' | 'wss';
  /** Id of the call that created this leg by dialling out, if any. */
  parentId?: string;
  /** Current state value as a dotted path, e.g. 'WAIT_CALLEE' or 'CONNECTED.talking'. */
  state: string;
  stateGraph: StateGraphStep[];
  startedAt: number;
  endedAt?: number;
  outcome: CallOutcome;
  /** Final SIP code or end reason, when known ('bye', 'cancel', '404', ...). */
  endReason?: string;
}

export interface CallFilter {
  app?: string;
  state?: string;
  /** Include ended calls still kept. Default false. */
  ended?: boolean;
}

export type CallRegistryEvents = {
  /** A call started, changed state, or ended. */
  update: [record: CallRecord];
};

/** The read side of the registry. */
export interface CallRegistryView {
  /** Active calls (and ended ones kept, when filter.ended). */
  list(filter?: CallFilter): CallRecord[];
  get(id: string): CallRecord | undefined;
  readonly activeCount: number;
  on<K extends keyof CallRegistryEvents>(event: K, listener: (...args: CallRegistryEvents[K]) => void): this;
  off<K extends keyof CallRegistryEvents>(event: K, listener: (...args: CallRegistryEvents[K]) => void): this;
}
