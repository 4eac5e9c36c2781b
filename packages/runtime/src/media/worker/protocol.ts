/**
 * The one protocol between the main thread and a media worker. Both sides batch: every message is an array of
 * commands (main → worker, flushed once per event loop turn) or of events (worker → main, flushed once per event
 * loop turn, i.e. about once per tick). Per-packet work never crosses it: only what a flow does (a prompt, a room,
 * a key to send) and what it must hear (a key pressed, a prompt ended), plus a stats report every 100 ms whose
 * per-stream counters travel as a transferred Float64Array, indexed by a stable slot each stream gets at creation:
 * no stream ids cross with it and the main thread does nothing per stream when it arrives (it reads a stream's
 * counters only when asked).
 *
 * Streams are named by the worker-assigned id; requests that expect an answer carry `req`.
 */
import type { NegotiatedMedia } from '../sdp-negotiator.js';
import type { DtmfKey, DtmfSendOptions, DtmfSource, MediaClockStats, MediaStreamOptions } from '../media-types.js';
import type { MediaErrorCode } from '../errors.js';
import type { SharedPromptData } from '../prompt-cache.js';

/** workerData of a media worker. */
export interface MediaWorkerInit {
  /** Slot of the worker (0..N-1) and how many times that slot was (re)started: stream ids are `w<index>g<gen>-n`. */
  index: number;
  generation: number;
  host: string;
  /** This worker's share of the RTP port range. */
  portRange: [number, number];
  tickMs: number;
  rtcpIntervalMs: number;
  relay: boolean;
  logLevel: string;
  statsIntervalMs: number;
  overloadLatenessMs?: number;
  overloadBusyShare?: number;
  /** Nice value for the worker thread (lower runs first); needs CAP_SYS_NICE below 0. Undefined: leave it. */
  niceness?: number;
  /** When the worker compacts its heap after its last stream closed (util/idle-heap-trim.ts); tests lower them. */
  heapTrim?: { minHeapBytes: number; growthFactor: number };
}

export type MediaCommand =
  | { op: 'create'; req: number; options: MediaStreamOptions }
  | { op: 'media'; id: string; media: NegotiatedMedia }
  | { op: 'prompt'; promptId: number; prompt: SharedPromptData }
  | { op: 'forgetPrompt'; promptId: number }
  /** `seq` counts play/flush commands of the stream: a playlistEnded older than the newest one is stale. */
  | { op: 'play'; id: string; promptId: number; front: boolean; loop: boolean; seq: number }
  | { op: 'flush'; id: string; seq: number }
  | { op: 'inject'; id: string; key: DtmfKey; source: DtmfSource; durationMs: number | undefined }
  | { op: 'sendDtmf'; id: string; req: number; keys: string; options: DtmfSendOptions }
  | { op: 'join'; id: string; room: string }
  | { op: 'leave'; id: string }
  | { op: 'inband'; id: string; on: boolean }
  | { op: 'activate'; id: string }
  | { op: 'close'; id: string }
  | { op: 'resetStats' }
  /** Home worker of a room: a stream of another worker joins it through two frame rings (room-link.ts). */
  | { op: 'linkAdd'; room: string; linkId: number; memberId: string; toHome: SharedArrayBuffer; fromHome: SharedArrayBuffer }
  | { op: 'linkRemove'; room: string; linkId: number }
  /** The stream's worker: join the room whose home is another worker, through the same two rings. */
  | { op: 'joinLinked'; id: string; room: string; linkId: number; toHome: SharedArrayBuffer; fromHome: SharedArrayBuffer };

/** Per-stream counters in a stats report, in this order (STREAM_STAT_FIELDS numbers per stream). */
export const STREAM_STAT_KEYS = [
  'packetsIn',
  'packetsOut',
  'bytesIn',
  'bytesOut',
  'packetsDropped',
  'packetsRejected',
  'rtcpIn',
  'rtcpOut',
  'overruns',
  'framesRelayed',
] as const;
export const STREAM_STAT_FIELDS = STREAM_STAT_KEYS.length;

export interface WorkerStatsReport {
  ev: 'stats';
  clock: MediaClockStats & { busyMeanMs: number; framesCaughtUp: number; framesDropped: number };
  /** Last-second load of the worker's clock. */
  busyShare: number;
  latenessP90Ms: number;
  /** The worker thread's CPU time over the last second, as a share of one core (relays included: they run outside ticks). */
  cpuShare: number;
  streams: number;
  rooms: number;
  rtpPacketsIn: number;
  rtpPacketsOut: number;
  rtpPacketsRejected: number;
  /** CPU time of the worker thread itself (from /proc/thread-self), ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** The worker's V8 heap (its own isolate), bytes. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Compactions of the worker's heap run after its last stream closed. */
  heapTrims: number;
  /** Reports count up from 1; a stream created after report N reads only reports > N (`created.statsFrom`). */
  seq: number;
  /** Per stream, STREAM_STAT_FIELDS counters at `statSlot * STREAM_STAT_FIELDS` (`created.statSlot`), transferred. */
  counters: Float64Array;
  /** Rooms relaying now; sent only when the set changed since the last report (undefined: unchanged). */
  relayingRooms: string[] | undefined;
}

export type MediaEvent =
  | { ev: 'ready' }
  /** `statSlot`: where the stream's counters are in each stats report from report `statsFrom` on. */
  | { ev: 'created'; req: number; id: string; port: number; statSlot: number; statsFrom: number }
  | { ev: 'createFailed'; req: number; code: MediaErrorCode; message: string }
  | { ev: 'dtmf'; id: string; key: DtmfKey; source: DtmfSource; durationMs: number | undefined }
  | { ev: 'playlistEnded'; id: string; seq: number }
  | { ev: 'rtpTimeout'; id: string }
  | { ev: 'latched'; id: string; address: string; port: number }
  | { ev: 'dtmfSent'; id: string }
  | { ev: 'dtmfDone'; id: string; req: number; error: { code: MediaErrorCode; message: string } | undefined }
  | { ev: 'log'; line: string }
  | WorkerStatsReport;
