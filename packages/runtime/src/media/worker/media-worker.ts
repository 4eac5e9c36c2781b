/**
 * A media worker thread: its own MediaEngine (RTP/RTCP sockets on its share of the port range, its own deadline
 * clock, DTMF detectors, rooms), driven by the main thread's commands (protocol.ts). Nothing here blocks on
 * signalling: the main thread may be parsing a burst of INVITEs, this thread's clock still ticks on time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import pino from 'pino';
import { MediaEngine } from '../media-engine.js';
import { threadCpuMs } from '../../util/thread-cpu.js';
import { ThreadCpuWindow } from '../../util/thread-cpu-window.js';
import type { MediaStream } from '../media-stream.js';
import { isMediaError } from '../errors.js';
import { promptFromShared, type Prompt } from '../prompt-cache.js';
import { LinkedMember } from '../room-link.js';
import { IdleHeapTrim } from '../../util/idle-heap-trim.js';
import { STREAM_STAT_FIELDS, STREAM_STAT_KEYS, type MediaCommand, type MediaEvent, type MediaWorkerInit } from './protocol.js';

const init = workerData as MediaWorkerInit;
const port = parentPort!;

let outbox: MediaEvent[] = [];
let flushScheduled = false;
function post(event: MediaEvent): void {
  outbox.push(event);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}
function flush(): void {
  flushScheduled = false;
  if (outbox.length === 0) return;
  const batch = outbox;
  outbox = [];
  const transfer: ArrayBuffer[] = [];
  for (const e of batch) if (e.ev === 'stats') transfer.push(e.counters.buffer as ArrayBuffer);
  port.postMessage(batch, transfer);
}

// Log lines go to the main thread, which writes them with its own logger (one destination, one format).
const logger = pino({ level: init.logLevel, base: { worker: init.index } }, { write: (line: string) => post({ ev: 'log', line }) });

// Media before signalling: a media thread that waits behind the main thread (or anything else on the box) misses
// ticks. Like the media threads of FreeSWITCH and rtpengine, run it at a higher priority when allowed.
if (init.niceness !== undefined) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, init.niceness);
    logger.debug({ tid, niceness: init.niceness }, 'media worker priority set');
  } catch (err) {
    logger.info({ niceness: init.niceness, err: (err as Error).message }, 'media worker priority unchanged (needs CAP_SYS_NICE)');
  }
}

const engine = await MediaEngine.create({
  logger,
  host: init.host,
  portRange: init.portRange,
  tickMs: init.tickMs,
  rtcpIntervalMs: init.rtcpIntervalMs,
  relay: init.relay,
  idPrefix: `w${init.index}g${init.generation}`,
  ...(init.overloadLatenessMs !== undefined ? { overloadLatenessMs: init.overloadLatenessMs } : {}),
  ...(init.overloadBusyShare !== undefined ? { overloadBusyShare: init.overloadBusyShare } : {}),
});
const streams = new Map<string, MediaStream>();
/**
 * The worker's heap grows with its streams (a busy worker's reaches 30–45 MB) and V8 keeps it: compact it once its
 * last stream has closed, with no audio to hold. A worker's heap is small, so the floor is lower than the main's.
 */
const heapTrim = new IdleHeapTrim({
  activeLegs: () => streams.size,
  logger,
  minHeapBytes: init.heapTrim?.minHeapBytes ?? 16 * 1024 * 1024,
  growthFactor: init.heapTrim?.growthFactor ?? 1.5,
});
/** Each stream's place in the stats report's counters; freed slots are reused (statsFrom keeps a new owner clean). */
const statSlots = new Map<string, number>();
const bySlot: Array<MediaStream | undefined> = [];
const freeSlots: number[] = [];
let reportSeq = 0;
let lastRelaying = '';
/** Last play/flush sequence number applied per stream (tags playlistEnded). */
const playSeq = new Map<string, number>();
const prompts = new Map<number, Prompt>();
/** Members of our rooms that live on other workers, by link id. */
const linkedMembers = new Map<number, { room: string; member: LinkedMember }>();

async function create(req: number, options: MediaCommand & { op: 'create' }): Promise<void> {
  try {
    const s = await engine.createStream(options.options);
    const id = s.id;
    streams.set(id, s);
    s.on('dtmf', (e) => post({ ev: 'dtmf', id, key: e.key, source: e.source, durationMs: e.durationMs }));
    s.on('playlistEnded', () => post({ ev: 'playlistEnded', id, seq: playSeq.get(id) ?? 0 }));
    s.on('rtpTimeout', () => post({ ev: 'rtpTimeout', id }));
    s.on('latched', (address, p) => post({ ev: 'latched', id, address, port: p }));
    s.on('dtmfSent', () => post({ ev: 'dtmfSent', id }));
    const statSlot = freeSlots.pop() ?? bySlot.length;
    bySlot[statSlot] = s;
    statSlots.set(id, statSlot);
    post({ ev: 'created', req, id, port: s.localPort, statSlot, statsFrom: reportSeq + 1 });
  } catch (err) {
    const code = isMediaError(err) ? err.code : 'BAD_OPTIONS';
    post({ ev: 'createFailed', req, code, message: err instanceof Error ? err.message : String(err) });
  }
}

function handle(cmd: MediaCommand): void {
  if (cmd.op === 'create') return void create(cmd.req, cmd);
  if (cmd.op === 'prompt') return void prompts.set(cmd.promptId, promptFromShared(cmd.prompt));
  if (cmd.op === 'forgetPrompt') return void prompts.delete(cmd.promptId);
  if (cmd.op === 'resetStats') return engine.resetClockStats();
  if (cmd.op === 'linkAdd') {
    const member = new LinkedMember(`${cmd.memberId}@link`, cmd.toHome, cmd.fromHome);
    linkedMembers.set(cmd.linkId, { room: cmd.room, member });
    return engine.addRoomMember(cmd.room, member);
  }
  if (cmd.op === 'linkRemove') {
    const l = linkedMembers.get(cmd.linkId);
    linkedMembers.delete(cmd.linkId);
    if (l) engine.removeRoomMember(l.room, l.member);
    return;
  }
  const s = streams.get(cmd.id);
  if (!s || s.closed) return; // closed meanwhile: nothing to do
  switch (cmd.op) {
    case 'media':
      s.applyNegotiated(cmd.media);
      return;
    case 'play': {
      playSeq.set(cmd.id, cmd.seq);
      const prompt = prompts.get(cmd.promptId);
      if (prompt) s.playLoaded(prompt, { front: cmd.front, loop: cmd.loop });
      else logger.error({ promptId: cmd.promptId }, 'play of a prompt this worker was never given');
      return;
    }
    case 'flush':
      playSeq.set(cmd.id, cmd.seq);
      s.flush();
      return;
    case 'inject':
      s.injectDtmf(cmd.key, cmd.source, cmd.durationMs);
      return;
    case 'sendDtmf': {
      const { id, req } = cmd;
      let sent: Promise<void>;
      try {
        sent = s.sendDtmf(cmd.keys, cmd.options);
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        () => post({ ev: 'dtmfDone', id, req, error: undefined }),
        (err: unknown) =>
          post({
            ev: 'dtmfDone',
            id,
            req,
            error: { code: isMediaError(err) ? err.code : 'BAD_OPTIONS', message: String((err as Error)?.message ?? err) },
          }),
      );
      return;
    }
    case 'join':
      s.join(cmd.room);
      return;
    case 'joinLinked': {
      // A local name of its own: the room's real name belongs to its home worker.
      const local = `${cmd.room}#link${cmd.linkId}`;
      s.leave();
      engine.linkRoom(local, cmd.toHome, cmd.fromHome);
      s.join(local);
      return;
    }
    case 'leave':
      s.leave();
      return;
    case 'inband':
      s.inbandDtmf = cmd.on;
      return;
    case 'activate':
      s.activate();
      return;
    case 'close':
      s.close();
      streams.delete(cmd.id);
      playSeq.delete(cmd.id);
      freeStatSlot(cmd.id);
      heapTrim.legEnded();
      return;
  }
}

port.on('message', (batch: MediaCommand[]) => {
  for (const cmd of batch) {
    try {
      handle(cmd);
    } catch (err) {
      logger.error({ err, op: cmd.op }, 'media command failed');
    }
  }
});

function freeStatSlot(id: string): void {
  const slot = statSlots.get(id);
  if (slot === undefined) return;
  statSlots.delete(id);
  bySlot[slot] = undefined;
  freeSlots.push(slot);
}

const cpuWindow = new ThreadCpuWindow();
const statsTimer = setInterval(() => {
  const counters = new Float64Array(bySlot.length * STREAM_STAT_FIELDS);
  for (let slot = 0; slot < bySlot.length; slot++) {
    const s = bySlot[slot];
    if (!s) continue;
    let i = slot * STREAM_STAT_FIELDS;
    for (const key of STREAM_STAT_KEYS) counters[i++] = s.stats[key];
  }
  const relaying = engine.rooms.filter((r) => engine.roomRelaying(r));
  const relayingKey = relaying.join('\n');
  const relayingChanged = relayingKey !== lastRelaying;
  lastRelaying = relayingKey;
  const cpu = threadCpuMs();
  const heap = getHeapStatistics();
  const load = engine.load;
  post({
    ev: 'stats',
    clock: engine.clockStats,
    busyShare: load.busyShare,
    latenessP90Ms: load.latenessP90Ms,
    cpuShare: cpuWindow.sample(),
    streams: engine.streamCount,
    rooms: engine.rooms.length,
    rtpPacketsIn: engine.rtpPacketsIn,
    rtpPacketsOut: engine.rtpPacketsOut,
    rtpPacketsRejected: engine.rtpPacketsRejected,
    cpuUserMs: cpu.user,
    cpuSystemMs: cpu.system,
    heapUsedBytes: heap.used_heap_size,
    heapTotalBytes: heap.total_heap_size,
    heapTrims: heapTrim.stats.trims,
    seq: ++reportSeq,
    counters,
    relayingRooms: relayingChanged ? relaying : undefined,
  });
}, init.statsIntervalMs);
statsTimer.unref();

post({ ev: 'ready' });
