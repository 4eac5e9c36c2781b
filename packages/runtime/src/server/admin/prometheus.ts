/**
 * /metrics in the Prometheus text exposition format (version 0.0.4).
 */
import type { CallRecord } from '../registry-types.js';
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

type Labels = Record<string, string>;

class Exposition {
  readonly lines: string[] = [];
  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
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

  out.metric('sipflow_calls_active', 'gauge', 'Calls in progress, by app.', [...activeByApp].map(([app, n]) => [{ app }, n]));
  out.metric('sipflow_calls_started_total', 'counter', 'Calls started, by app.', [...input.totals.started].map(([app, n]) => [{ app }, n]));
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
    out.metric('sipflow_sip_malformed_total', 'counter', 'Malformed SIP messages dropped.', [[{}, sip.malformedDropped]]);
  }
  if (media) {
    out.metric('sipflow_rtp_packets_total', 'counter', 'RTP packets received and sent, all streams.', [
      [{ direction: 'in' }, media.rtpPacketsIn],
      [{ direction: 'out' }, media.rtpPacketsOut],
    ]);
    out.metric('sipflow_media_streams', 'gauge', 'RTP streams open.', [[{}, media.streams]]);
    out.metric('sipflow_media_tick_lateness_ms', 'gauge', 'Lateness of media clock ticks vs. their deadlines, ms.', [
      [{ quantile: '0.5' }, media.clock.latenessP50],
      [{ quantile: '0.99' }, media.clock.latenessP99],
      [{ quantile: '1' }, media.clock.latenessMax],
    ]);
    out.metric('sipflow_media_ticks_total', 'counter', 'Media clock ticks run.', [[{}, media.clock.ticks]]);
    out.metric('sipflow_media_ticks_missed_total', 'counter', 'Media clock ticks skipped because the clock fell behind.', [
      [{}, media.clock.ticksMissed],
    ]);
    out.metric('sipflow_media_overloaded', 'gauge', '1 while new INVITEs are refused because the media clock is behind.', [
      [{}, media.overloaded ? 1 : 0],
    ]);
  }
  out.metric('sipflow_event_loop_lag_ms', 'gauge', 'Event-loop lag over the last minute, ms.', [
    [{ quantile: '0.5' }, input.eventLoopLag.p50],
    [{ quantile: '0.99' }, input.eventLoopLag.p99],
    [{ quantile: '1' }, input.eventLoopLag.max],
  ]);
  return out.lines.join('\n') + '\n';
}
