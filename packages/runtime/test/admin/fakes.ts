/** In-memory stand-ins for the server's side of AdminDeps (unit tests only). */
import pino from 'pino';
import type { AnyStateMachine } from 'xstate';
import { TypedEmitter } from '../../src/util/typed-emitter.js';
import type { CallFilter, CallRecord, CallRegistryEvents, CallRegistryView } from '../../src/server/registry-types.js';
import type { AdminDeps, ReloadResult } from '../../src/server/admin/index.js';
import { clean } from '../review/sample-machines.js';

export class FakeRegistry extends TypedEmitter<CallRegistryEvents> implements CallRegistryView {
  readonly records = new Map<string, CallRecord>();

  list(filter: CallFilter = {}): CallRecord[] {
    return [...this.records.values()].filter(
      (r) => (filter.ended || r.endedAt === undefined) && (!filter.app || r.app === filter.app) && (!filter.state || r.state === filter.state),
    );
  }
  get(id: string): CallRecord | undefined {
    return this.records.get(id);
  }
  get activeCount(): number {
    return this.list().length;
  }

  /** Start a call in `state`. */
  start(id: string, overrides: Partial<CallRecord> = {}): CallRecord {
    const at = Date.now();
    const record: CallRecord = {
      id,
      app: 'demo',
      appVersion: 1,
      flow: 'clean',
      direction: 'inbound',
      from: '"alice" <sip:alice@127.0.0.1>;tag=a1',
      to: '<sip:35@127.0.0.1>',
      requestUri: 'sip:35@127.0.0.1',
      state: 'IDLE',
      stateGraph: [{ kind: 'state', at, state: 'IDLE' }],
      startedAt: at,
      outcome: 'active',
      ...overrides,
    };
    this.records.set(id, record);
    this.emit('update', structuredClone(record));
    return record;
  }

  move(id: string, state: string, description: string, event: string): void {
    const r = this.records.get(id);
    if (!r) throw new Error(`no ${id}`);
    const at = Date.now();
    r.stateGraph.push({ kind: 'transition', at, description, event }, { kind: 'state', at, state });
    r.state = state;
    this.emit('update', structuredClone(r));
  }

  end(id: string, outcome: CallRecord['outcome'] = 'completed', reason = 'bye'): void {
    const r = this.records.get(id);
    if (!r) throw new Error(`no ${id}`);
    r.endedAt = Date.now();
    r.outcome = outcome;
    r.endReason = reason;
    this.emit('update', structuredClone(r));
  }
}

export interface FakeDeps extends AdminDeps {
  registry: FakeRegistry;
  reloads: string[];
  /** What the next reload answers. */
  nextReload: ReloadResult;
}

export function fakeDeps(): FakeDeps {
  const registry = new FakeRegistry();
  const versions = new Map<string, number>([['demo', 1]]);
  const deps: FakeDeps = {
    registry,
    reloads: [],
    nextReload: { ok: true, version: 2 },
    apps: {
      list: () => [...versions].map(([name, version]) => ({ name, version, loadedAt: 1_700_000_000_000, flows: ['clean'] })),
      reload: async (name) => {
        deps.reloads.push(name);
        const result = deps.nextReload;
        if (result.ok) versions.set(name, result.version);
        return result;
      },
    },
    flowMachine: (app, flow): AnyStateMachine | undefined => (app === 'demo' && flow === 'clean' ? clean : undefined),
    metrics: () => ({
      sip: {
        messagesIn: 10,
        messagesOut: 12,
        retransmissionsOut: 2,
        retransmissionsAbsorbed: 1,
        peerResends: 1,
        requestsIn: 7,
        malformedDropped: 0,
        dialogSourceRefused: 0,
        watchdogEnded: { 'no-final-after-cancel': 1, 'silent-dialog': 0 },
      },
      media: {
        clock: {
          ticks: 500,
          latenessP50: 0.2,
          latenessP99: 1.5,
          latenessMax: 3,
          ticksMissed: 0,
          lateTicks: { cpu: 2, gc: 1, work: 0 },
          latenessBuckets: [300, 450, 480, 490, 495, 497, 498, 499, 500, 500, 500, 500, 500, 500],
          latenessSumMs: 150,
        },
        streams: 1,
        rtpPacketsIn: 400,
        rtpPacketsRejected: 3,
        rtpPacketsOut: 410,
        overloaded: false,
        workers: [
          {
            index: 0,
            streams: 2,
            busyShare: 0.1,
            latenessP90Ms: 1,
            cpuShare: 0.93,
            cpuUserMs: 1500,
            cpuSystemMs: 500,
            heapUsedBytes: 1e6,
            heapTotalBytes: 2e6,
            heapTrims: 1,
          },
        ],
        workerRestarts: 0,
      },
      // A worker relaying on a CPU all the time, its ticks light: refused for media.
      admission: {
        refusing: true,
        reason: 'media',
        mediaBusyShare: 0.1,
        mediaLatenessP90Ms: 1,
        mediaCpuShare: 0.93,
        signallingElu: 0.2,
        signallingCpu: 0.1,
        refused: 4,
      },
    }),
    logger: pino({ level: 'silent' }),
  };
  return deps;
}
