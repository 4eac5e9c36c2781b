/**
 * /metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * The process and Node.js figures (process_resident_memory_bytes, nodejs_heap_*, GC, handles) come from prom-client's
 * default collectors. The sipflow_* figures are written here: they are snapshots other parts already keep — totals
 * from the SIP stack, clock histograms summed over media worker threads, admission state — read once per scrape.
 * prom-client models a metric as an object the code updates (inc/set/observe) and cannot take a histogram's bucket
 * counts as given, so feeding it would mean resetting counters and re-observing merged buckets on every scrape;
 * a 30-line serialiser of the text format is the smaller and more honest piece.
 */
import { readdir } from 'node:fs/promises';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { CallRecord } from '../registry-types.js';
import { LATENESS_BUCKETS_MS } from '../../media/media-clock.js';
import { LATE_TICK_CAUSES } from '../../media/late-tick-causes.js';
import { getHeapStatistics } from 'node:v8';
import { threadCpuMs } from '../../util/thread-cpu.js';
import type { MetricsSnapshot } from './admin-types.js';
import type { CallTotals } from './call-counters.js';
import type { EventLoopLag } from './event-loop-lag.js';

export interface MetricsInput {
  active: CallRecord[];
  totals: CallTotals;
  callsPerSecond: number;
  snapshot: MetricsSnapshot;
  eventLoopLag: EventLoopLag;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const OPEN_FDS = 'process_open_fds';

async function countOpenFds(this: Gauge): Promise<void> {
  try {
    // Minus the descriptor the listing itself holds open.
    this.set((await readdir('/proc/self/fd')).length - 1);
  } catch {
    // not Linux: the gauge stays unset, as prom-client's own does
  }
}

/** prom-client's process and Node.js metrics, in a registry of their own (never the library's global one). */
export class ProcessMetrics {
  readonly #registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.#registry });
    // prom-client counts open fds with a synchronous readdir of /proc/self/fd: work in proportion to the fds, on the
    // signalling thread, at every scrape — and a media server holds two sockets per stream (≈ 2 % of the main thread
    // at 300 calls with a scrape every 500 ms). The same figure, listed on libuv's thread pool instead.
    if (this.#registry.getSingleMetric(OPEN_FDS)) {
      this.#registry.removeSingleMetric(OPEN_FDS);
      new Gauge({ name: OPEN_FDS, help: 'Number of open file descriptors.', registers: [this.#registry], collect: countOpenFds });
    }
  }

  render(): Promise<string> {
    return this.#registry.metrics();
  }

  /** Stop the collectors (the event-loop delay monitor runs until then). */
  close(): void {
    this.#registry.clear();
  }
}

type Labels = Record<string, string>;

class Exposition {
  readonly lines: string[] = [];
  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }
  /** `cumulative[i]`: observations <= bounds[i]; one more entry for +Inf (the count). */
  histogram(name: string, help: string, bounds: readonly number[], cumulative: readonly number[], sum: number): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    bounds.forEach((le, i) => this.lines.push(`${name}_bucket{le="${le}"} ${formatValue(cumulative[i] ?? 0)}`));
    const count = cumulative[bounds.length] ?? 0;
    this.lines.push(`${name}_bucket{le="+Inf"} ${formatValue(count)}`, `${name}_sum ${formatValue(sum)}`, `${name}_count ${formatValue(count)}`);
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

export function renderMetrics(input: MetricsInput): string {
  const out = new Exposition();
  const activeByApp = new Map<string, number>();
  for (const call of input.active) activeByApp.set(call.app, (activeByApp.get(call.app) ?? 0) + 1);
  for (const app of input.totals.started.keys()) if (!activeByApp.has(app)) activeByApp.set(app, 0);

  out.metric(
    'sipflow_calls_active',
    'gauge',
    'Calls in progress, by app.',
    [...activeByApp].map(([app, n]) => [{ app }, n]),
  );
  out.metric(
    'sipflow_calls_started_total',
    'counter',
    'Calls started, by app.',
    [...input.totals.started].map(([app, n]) => [{ app }, n]),
  );
  const ended: Array<[Labels, number]> = [];
  for (const [app, byOutcome] of input.totals.ended) for (const [outcome, n] of byOutcome) ended.push([{ app, outcome }, n]);
  out.metric('sipflow_calls_total', 'counter', 'Calls ended, by app and outcome.', ended);
  out.metric('sipflow_calls_per_second', 'gauge', 'Calls started per second, averaged over the last 60 s.', [[{}, input.callsPerSecond]]);

  const { sip, media } = input.snapshot;
  if (sip) {
    out.metric('sipflow_sip_messages_total', 'counter', 'SIP messages received and sent.', [
      [{ direction: 'in' }, sip.messagesIn],
      [{ direction: 'out' }, sip.messagesOut],
    ]);
    out.metric('sipflow_sip_retransmissions_total', 'counter', 'SIP retransmissions sent by us, and received duplicates absorbed.', [
      [{ direction: 'out' }, sip.retransmissionsOut],
      [{ direction: 'in' }, sip.retransmissionsAbsorbed],
    ]);
    out.metric(
      'sipflow_sip_peer_resends_total',
      'counter',
      'Requests other than ACK that a peer sent again: its T1 ran out before our answer reached it (admission reads it).',
      [[{}, sip.peerResends]],
    );
    out.metric('sipflow_sip_requests_in_total', 'counter', 'Requests other than ACK received, repeats included (peer resends are a share of it).', [
      [{}, sip.requestsIn],
    ]);
    out.metric('sipflow_sip_malformed_total', 'counter', 'Malformed SIP messages dropped.', [[{}, sip.malformedDropped]]);
    out.metric(
      'sipflow_sip_dialog_source_refused_total',
      'counter',
      'Requests inside a call (BYE, INFO, re-INVITE, ACK) refused because they came from outside its dialog peer.',
      [[{}, sip.dialogSourceRefused]],
    );
    out.metric(
      'sipflow_sip_watchdog_total',
      'counter',
      'INVITEs given up 64*T1 after our CANCEL, and calls silent 64*T1 with no transaction alive, ended by the watchdog.',
      Object.entries(sip.watchdogEnded).map(([cause, n]) => [{ cause }, n]),
    );
  }
  if (media) {
    out.metric('sipflow_rtp_packets_total', 'counter', 'RTP packets received and sent, all streams.', [
      [{ direction: 'in' }, media.rtpPacketsIn],
      [{ direction: 'out' }, media.rtpPacketsOut],
    ]);
    out.metric(
      'sipflow_rtp_rejected_source_total',
      'counter',
      'RTP and RTCP packets dropped because their source was not the one the SDP names (or the latched one).',
      [[{}, media.rtpPacketsRejected]],
    );
    out.metric('sipflow_media_streams', 'gauge', 'RTP streams open.', [[{}, media.streams]]);
    const lateness = monotonicQuantiles([media.clock.latenessP50, media.clock.latenessP99, media.clock.latenessMax]);
    out.metric('sipflow_media_tick_lateness_ms', 'gauge', 'Lateness of media clock ticks vs. their deadlines, ms.', [
      [{ quantile: '0.5' }, lateness[0]!],
      [{ quantile: '0.99' }, lateness[1]!],
      [{ quantile: '1' }, lateness[2]!],
    ]);
    // The quantile gauges above are since start; this histogram's counters give the quantiles of any interval.
    out.histogram(
      'sipflow_media_tick_lateness_histogram_ms',
      'Lateness of media clock ticks vs. their deadlines, ms (all clocks).',
      LATENESS_BUCKETS_MS,
      media.clock.latenessBuckets,
      media.clock.latenessSumMs,
    );
    out.metric('sipflow_media_ticks_total', 'counter', 'Media clock ticks run.', [[{}, media.clock.ticks]]);
    out.metric('sipflow_media_ticks_missed_total', 'counter', 'Media clock ticks skipped because the clock fell behind.', [
      [{}, media.clock.ticksMissed],
    ]);
    const late = media.clock.lateTicks;
    out.metric(
      'sipflow_media_late_ticks_total',
      'counter',
      'Media clock ticks at least 10 ms late, by what took most of the delay: cpu (the thread waited for a CPU), gc, work (its own).',
      LATE_TICK_CAUSES.map((cause) => [{ cause }, late[cause]]),
    );
    out.metric('sipflow_media_overloaded', 'gauge', '1 while every media clock is behind its budget (last second).', [
      [{}, media.overloaded ? 1 : 0],
    ]);
    if (media.workers) {
      const w = media.workers;
      out.metric('sipflow_media_workers', 'gauge', 'Media worker threads.', [[{}, w.length]]);
      out.metric('sipflow_media_worker_restarts_total', 'counter', 'Media workers started again after one died.', [[{}, media.workerRestarts ?? 0]]);
      out.metric(
        'sipflow_media_worker_streams',
        'gauge',
        'RTP streams per media worker.',
        w.map((x) => [{ worker: String(x.index) }, x.streams]),
      );
      out.metric(
        'sipflow_media_worker_busy_share',
        'gauge',
        'Tick work as a share of the tick, last second, per media worker.',
        w.map((x) => [{ worker: String(x.index) }, x.busyShare]),
      );
      out.metric(
        'sipflow_media_worker_cpu_share',
        'gauge',
        'CPU time of each media worker thread over its last second (ticks and relays), as a share of one core.',
        w.map((x) => [{ worker: String(x.index) }, x.cpuShare]),
      );
      out.metric(
        'sipflow_media_worker_cpu_seconds_total',
        'counter',
        'CPU time of each media worker thread.',
        w.flatMap((x) => [
          [{ worker: String(x.index), mode: 'user' }, x.cpuUserMs / 1000] as [Labels, number],
          [{ worker: String(x.index), mode: 'system' }, x.cpuSystemMs / 1000] as [Labels, number],
        ]),
      );
    }
  }
  const { admission } = input.snapshot;
  if (admission) {
    out.metric('sipflow_admission_refusing', 'gauge', '1 while new INVITEs get 503 for lack of headroom, by reason.', [
      [{ reason: 'media' }, admission.refusing && admission.reason === 'media' ? 1 : 0],
      [{ reason: 'signalling' }, admission.refusing && admission.reason === 'signalling' ? 1 : 0],
    ]);
    out.metric('sipflow_admission_refused_total', 'counter', 'INVITEs refused with 503 for lack of headroom.', [[{}, admission.refused]]);
    if (admission.refusedForResources) {
      const r = admission.refusedForResources;
      out.metric('sipflow_admission_refused_resources_total', 'counter', 'INVITEs refused with 503 because their call would not fit, by resource.', [
        [{ resource: 'calls' }, r.calls],
        [{ resource: 'ports' }, r.ports],
      ]);
    }
    out.metric('sipflow_admission_media_busy_share', 'gauge', 'Tick work share of the least loaded media clock, last second.', [
      [{}, admission.mediaBusyShare],
    ]);
    out.metric('sipflow_admission_media_cpu_share', 'gauge', 'CPU share of a core of the least busy media worker, last second.', [
      [{}, admission.mediaCpuShare],
    ]);
    out.metric('sipflow_admission_signalling_utilisation', 'gauge', 'Main-thread event-loop utilisation, last sample.', [
      [{}, admission.signallingElu],
    ]);
    out.metric('sipflow_admission_signalling_cpu_share', 'gauge', 'Main-thread CPU time per second (share of a core), last sample.', [
      [{}, admission.signallingCpu],
    ]);
  }
  const mainCpu = threadCpuMs();
  out.metric('sipflow_main_thread_cpu_seconds_total', 'counter', 'CPU time of the main thread (SIP, flows, lookup, admin).', [
    [{ mode: 'user' }, mainCpu.user / 1000],
    [{ mode: 'system' }, mainCpu.system / 1000],
  ]);
  // The V8 heap of each isolate: RSS is their sum plus native memory, and each thread grows its own heap.
  const mainHeap = getHeapStatistics();
  const workerHeaps = input.snapshot.media?.workers ?? [];
  out.metric('sipflow_heap_bytes', 'gauge', 'V8 heap of each thread (main, media workers), bytes: used and total.', [
    [{ thread: 'main', kind: 'used' }, mainHeap.used_heap_size],
    [{ thread: 'main', kind: 'total' }, mainHeap.total_heap_size],
    ...workerHeaps.flatMap((w) => [
      [{ thread: `media-worker-${w.index}`, kind: 'used' }, w.heapUsedBytes] as [Labels, number],
      [{ thread: `media-worker-${w.index}`, kind: 'total' }, w.heapTotalBytes] as [Labels, number],
    ]),
  ]);
  const trim = input.snapshot.heapTrim;
  out.metric('sipflow_heap_trims_total', 'counter', "Compactions of a thread's heap run when no call (main) or stream (media worker) was left.", [
    ...(trim ? [[{ thread: 'main' }, trim.trims] as [Labels, number]] : []),
    ...workerHeaps.map((w) => [{ thread: `media-worker-${w.index}` }, w.heapTrims] as [Labels, number]),
  ]);
  if (trim) out.metric('sipflow_heap_trim_last_pause_ms', 'gauge', "How long the main thread's last one held it, ms.", [[{}, trim.lastPauseMs]]);
  const lag = monotonicQuantiles([input.eventLoopLag.p50, input.eventLoopLag.p99, input.eventLoopLag.max]);
  out.metric('sipflow_event_loop_lag_ms', 'gauge', 'Event-loop lag over the last minute, ms.', [
    [{ quantile: '0.5' }, lag[0]!],
    [{ quantile: '0.99' }, lag[1]!],
    [{ quantile: '1' }, lag[2]!],
  ]);
  return out.lines.join('\n') + '\n';
}

/**
 * Quantiles in increasing order (p50, p99, max) made consistent: none above the ones after it. Figures merged from
 * several clocks, or a histogram bucket's upper edge, could put a p99 above the max.
 */
export function monotonicQuantiles(values: readonly number[]): number[] {
  const out = [...values];
  for (let i = out.length - 2; i >= 0; i--) out[i] = Math.min(out[i]!, out[i + 1]!);
  return out;
}
