/**
 * quizconnect end to end on loopback: the sipflow server with the real app, a temp callee table, one sipp UAS on
 * the outbound domain playing every callee (test/e2e/scenarios/qc-callees-uas.xml, by R-URI user), sipp UACs as
 * the caller, and an RTP socket OWNED BY THE TEST behind every SDP the sipps send (their c=/m= name it), so a test
 * sees every RTP packet, sends known audio and RFC 4733 digits from the address the SDP names (symmetric RTP
 * latches onto it), and can check that nothing flows after the end. sipp only does the signalling.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import wavefile from 'wavefile';
import alawmulaw from 'alawmulaw';
import { createLookup } from '../../packages/lookup/src/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../packages/runtime/src/server/index.js';
import type { CallRecord } from '../../packages/runtime/src/server/registry-types.js';
import { startKamailio, type Kamailio } from './kamailio.js';
import { freePort } from './ports.js';
import { RtpPeer, buildRtp, telephoneEventPayload, type RtpPacketInfo } from './rtp-peer.js';
import { sendTimed, type TimedPacket } from './rtp-dtmf.js';
import { talkerPackets, matchTalkerFrames } from './rtp-talker.js';
import { startSipp, type SippProcess, type SippResult } from './sipp.js';

export type CalleeName = 'john' | 'anna' | 'bob';
export const CALLEES: readonly CalleeName[] = ['john', 'anna', 'bob'];
/** What a callee's phone does (see the header of qc-callees-uas.xml). */
export type CalleeBehaviour = 'answer' | 'info' | 'hangup' | 'ring' | 'busy' | 'notfound' | 'auth';

export const scenario = (name: string): string => fileURLToPath(new URL(`../e2e/scenarios/${name}`, import.meta.url));

/** A leg of the flow `name`: the hand-written app's id, or an imported app's `<app>.<diagram>` id. */
export function isFlow(record: CallRecord, name: 'quizconnect_caller' | 'quizconnect_callee'): boolean {
  return record.flow === name || record.flow.endsWith(`.${name}`);
}

export interface QuizHarnessOptions {
  /**
   * The app under test: its name, and the folder it is in when not apps/ (e.g. quizconnect imported from DSM into a
   * temporary folder). Its flows' ids must be quizconnect_caller / quizconnect_callee, or those prefixed by the app's
   * name as an import makes them (quizconnect-dsm.quizconnect_caller). Default quizconnect in apps/.
   */
  app?: { name: string; appsDir?: string };
  /** Rows of the callee table (a fresh SQLite file). Default: the demo rows (35 → john 12345, anna 54321). */
  rows?: Array<{ caller: string; callee: string; pin: string }>;
  /** Use this db_url instead of a fresh SQLite file (rows are then not written). */
  dbUrl?: string;
  /** More app config (ring_timeout, prompt_path, outbound_auth_*). */
  config?: Record<string, unknown>;
  /** Media worker threads (0 = in-thread). Default: the server's (SIPFLOW_MEDIA_WORKERS, else cores − 1). */
  mediaWorkers?: number;
  /** The server's RTP port range. Default: the server's default. */
  rtpPorts?: [number, number];
  /** The server's --rtp-latch. Default false. */
  rtpLatch?: boolean;
  /** The server's call limit (--max-calls). Default: the server's (1000). */
  maxCalls?: number;
  /** The server's headroom rule (media clocks, main thread). Default: the server's. */
  admission?: ServerOptions['admission'];
  /** The server's SIP timers (T1, T2, T4: shorter ones keep loss tests short). Default: RFC 3261's. */
  sipTimers?: ServerOptions['sipTimers'];
  /**
   * Put the real Kamailio (deploy/kamailio/kamailio.cfg) in front: callers send to it (it dispatches to the server
   * and record-routes), and it is the app's outbound proxy (`outbound_proxy` in its config), so the callee legs and
   * every request in their dialogs go through it too. Default false: callers and callees talk to the server directly.
   */
  throughKamailio?: boolean;
  /** The server's SIP over WebSocket listeners (a browser as the caller). Default none. */
  websocket?: ServerOptions['websocket'];
  /** The server's admin API (the phone page). Default none. */
  admin?: ServerOptions['admin'];
  /** How long the registry keeps ended calls (--keep-ended), ms; 0 keeps none. Default: the server's (300 s). */
  retainEndedMs?: number;
}

export interface CalleesOptions {
  behaviours: Partial<Record<CalleeName, CalleeBehaviour>>;
  /** PINs typed by the `info` behaviour (exactly 5 keys). Default: the demo PINs. */
  pins?: Partial<Record<CalleeName, string>>;
  /** INVITEs the UAS takes before exiting (-m). Default: the number of behaviours given. */
  calls?: number;
  /** `hangup`: ms between ACK and the callee's BYE (-d). Default 2500. */
  hangupAfterMs?: number;
  timeoutSec?: number;
}

export interface CallerOptions {
  /** A qc-caller-*.xml scenario. */
  scenario: string;
  /** The dialled user U. Default '35'. */
  user?: string;
  /** -d: pause in the scenario (talk time, time before CANCEL). Default 1000 ms. */
  pauseMs?: number;
  timeoutSec?: number;
}

/** The two sipps of one scenario: the callee UAS and the caller UAC. */
export interface SippPair {
  callees: SippProcess;
  caller: SippProcess;
}

const DEMO_ROWS = [
  { caller: '35', callee: 'john', pin: '12345' },
  { caller: '35', callee: 'anna', pin: '54321' },
];
/** Callee table: U 35 → john (PIN 12345), anna (54321) and bob (97531). */
export const ROWS_WITH_BOB = [...DEMO_ROWS, { caller: '35', callee: 'bob', pin: '97531' }];

export class QuizHarness {
  readonly peers: Record<CalleeName | 'caller', RtpPeer>;
  #callees: SippProcess | undefined;
  readonly #dtmf: Partial<Record<CalleeName, { ssrc: number; seq: number; ts: number }>> = {};
  /** The harness's SQLite file (unless `dbUrl` was given). */
  readonly dbFile: string;

  private constructor(
    readonly server: RunningServer,
    readonly dir: string,
    /** SIP port of the callee UAS (the outbound domain). */
    readonly calleePort: number,
    peers: Record<CalleeName | 'caller', RtpPeer>,
    readonly logLines: string[],
    /** Kamailio in front (`throughKamailio`), else undefined. */
    readonly proxy?: Kamailio,
  ) {
    this.peers = peers;
    this.dbFile = join(dir, 'callees.sqlite');
  }

  static async start(options: QuizHarnessOptions = {}): Promise<QuizHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'qc-e2e-'));
    let dbUrl = options.dbUrl;
    if (!dbUrl) {
      dbUrl = `sqlite:${join(dir, 'callees.sqlite')}`; // = dbFile
      const admin = createLookup(dbUrl);
      await admin.open();
      await admin.initSchema();
      for (const r of options.rows ?? DEMO_ROWS) await admin.add(r.caller, r.callee, r.pin);
      await admin.close();
    }
    const calleePort = await freePort();
    const logLines: string[] = [];
    const level = process.env.SIPFLOW_TEST_LOG ?? 'info';
    const logger = pino(
      { level },
      {
        write(line: string) {
          logLines.push(line);
          if (process.env.SIPFLOW_TEST_LOG) process.stderr.write(line);
        },
      },
    );
    const app = options.app?.name ?? 'quizconnect';
    const proxyPort = options.throughKamailio ? await freePort() : undefined;
    const server = await startServer({
      apps: [app],
      ...(options.app?.appsDir ? { appsDir: options.app.appsDir } : {}),
      sip: { host: '127.0.0.1', port: await freePort() },
      admin: options.admin ?? null,
      ...(options.websocket ? { websocket: options.websocket } : {}),
      logger,
      ...(options.mediaWorkers !== undefined ? { mediaWorkers: options.mediaWorkers } : {}),
      ...(options.rtpPorts ? { rtpPorts: options.rtpPorts } : {}),
      ...(options.rtpLatch !== undefined ? { rtpLatch: options.rtpLatch } : {}),
      ...(options.maxCalls !== undefined ? { maxCalls: options.maxCalls } : {}),
      ...(options.admission ? { admission: options.admission } : {}),
      ...(options.sipTimers ? { sipTimers: options.sipTimers } : {}),
      ...(options.retainEndedMs !== undefined ? { retainEndedMs: options.retainEndedMs } : {}),
      config: {
        file: {
          [app]: {
            db_url: dbUrl,
            outbound_domain: `127.0.0.1:${calleePort}`,
            ...(proxyPort ? { outbound_proxy: `sip:127.0.0.1:${proxyPort};lr` } : {}),
            ...options.config,
          },
        },
      },
    });
    let proxy: Kamailio | undefined;
    if (proxyPort) {
      try {
        proxy = await startKamailio({ instances: [server.sip.port], port: proxyPort, probeIntervalS: 5 });
      } catch (err) {
        await server.stop();
        throw err;
      }
    }
    const peers = {
      caller: await RtpPeer.open(),
      john: await RtpPeer.open(),
      anna: await RtpPeer.open(),
      bob: await RtpPeer.open(),
    };
    return new QuizHarness(server, dir, calleePort, peers, logLines, proxy);
  }

  /** The one sipp UAS on the outbound domain that plays every callee. */
  async startCallees(options: CalleesOptions): Promise<SippProcess> {
    const keys: Record<string, string> = { ptdir: this.dir };
    for (const u of CALLEES) {
      keys[u] = options.behaviours[u] ?? 'notfound';
      keys[`${u}_port`] = String(this.peers[u].port);
      keys[`${u}_pin`] = options.pins?.[u] ?? (u === 'john' ? '12345' : u === 'anna' ? '54321' : '11111');
    }
    this.#callees = await startSipp({
      scenario: { file: scenario('qc-callees-uas.xml') },
      port: this.calleePort,
      calls: options.calls ?? Object.keys(options.behaviours).length,
      keys,
      timeoutSec: options.timeoutSec ?? 60,
      args: ['-d', String(options.hangupAfterMs ?? 2500), '-trace_msg', '-message_file', this.calleeMessagesFile],
    });
    return this.#callees;
  }

  /** The callee UAS first (it must listen before the server dials out), then the caller UAC. */
  async startPair(callees: CalleesOptions, caller: CallerOptions): Promise<SippPair> {
    const c = await this.startCallees(callees);
    return { callees: c, caller: await this.call(caller) };
  }

  /** A caller UAC alone (no callee gets dialled), run to its end; asserts its scenario passed. */
  async callAlone(options: CallerOptions, label = 'caller'): Promise<void> {
    await assertSippPassed(await this.call(options), label);
  }

  /**
   * The test's caller and `callee` talk to each other through the server (talkers 1 and 2, 50 frames each); each must
   * hear at least 40 frames of the other. Returns every peer's packet count from before the talk (for the test's
   * checks that the others heard nothing).
   */
  async talkBothWays(callee: CalleeName): Promise<Record<CalleeName | 'caller', number>> {
    const marks = Object.fromEntries(Object.entries(this.peers).map(([k, p]) => [k, p.packets.length])) as Record<CalleeName | 'caller', number>;
    await Promise.all([this.talk('caller', 1), this.talk(callee, 2)]);
    await this.peers[callee].waitFor(() => this.heard(callee, 1, marks[callee]).length >= 40, 15_000, `${callee} to hear the caller`);
    await this.peers.caller.waitFor(() => this.heard('caller', 2, marks.caller).length >= 40, 15_000, `the caller to hear ${callee}`);
    return marks;
  }

  /** Every SIP message the callee UAS sent and received (sipp -trace_msg). */
  get calleeMessagesFile(): string {
    return join(this.dir, 'callees-messages.log');
  }

  /** Every SIP message the caller UAC sent and received (sipp -trace_msg). */
  get callerMessagesFile(): string {
    return join(this.dir, 'caller-messages.log');
  }

  /** A sipp UAC caller whose SDP names the test's caller RTP socket. A new call forgets the RTP seen so far. */
  call(options: CallerOptions): Promise<SippProcess> {
    for (const p of Object.values(this.peers)) p.packets.splice(0);
    for (const u of CALLEES) delete this.#dtmf[u];
    return startSipp({
      scenario: { file: this.proxy ? this.#routed(options.scenario) : scenario(options.scenario) },
      remote: `127.0.0.1:${this.proxy?.port ?? this.server.sip.port}`,
      service: options.user ?? '35',
      calls: 1,
      keys: { rtp_port: String(this.peers.caller.port) },
      timeoutSec: options.timeoutSec ?? 60,
      args: ['-d', String(options.pauseMs ?? 1000), '-trace_msg', '-message_file', this.callerMessagesFile],
    });
  }

  /**
   * A caller scenario for calls through Kamailio: a copy whose ACK and BYE carry [routes] (the 200's Record-Route).
   * (sipp drops the line of an empty [routes], so a scenario with it also works direct — test/e2e/sipp-scenarios
   * checks that on the wire; what broke these files once was a blank line left before [routes], which ends the
   * headers.)
   */
  #routed(name: string): string {
    const text = readFileSync(scenario(name), 'utf8').replace(/^([ \t]*)(ACK|BYE) \[next_url\] SIP\/2\.0$/gm, '$1$2 [next_url] SIP/2.0\n$1[routes]');
    const file = join(this.dir, `routed-${name}`);
    writeFileSync(file, text);
    return file;
  }

  /** The telephone-event PT the server offered to `callee` (the UAS answered at it and wrote it down). */
  async offeredTelephoneEventPt(callee: CalleeName, timeoutMs = 20_000): Promise<number> {
    const file = join(this.dir, `${callee}.pt`);
    const read = (): number | undefined => {
      if (!existsSync(file)) return undefined;
      const n = Number(readFileSync(file, 'utf8').trim());
      return Number.isInteger(n) && n >= 96 && n <= 127 ? n : undefined;
    };
    const now = read();
    if (now !== undefined) return now;
    return new Promise((resolve, reject) => {
      const w = watch(this.dir, () => {
        const v = read();
        if (v === undefined) return;
        clearTimeout(timer);
        w.close();
        resolve(v);
      });
      const timer = setTimeout(() => {
        w.close();
        reject(new Error(`no telephone-event PT written for ${callee}`));
      }, timeoutMs);
    });
  }

  /** Wait until a peer got at least `n` packets (this call); returns the server's RTP address for it (symmetric RTP). */
  async firstRtp(who: CalleeName | 'caller', n = 1, timeoutMs = 20_000): Promise<{ address: string; port: number }> {
    const peer = this.peers[who];
    await peer.waitFor(() => peer.packets.length >= n, timeoutMs, `${n} RTP packet(s) at ${who}`);
    return peer.packets[peer.packets.length - 1]!.from;
  }

  /**
   * Type `keys` as RFC 4733 events at `pt` from the callee's RTP socket to the server, like a phone: one SSRC per
   * callee, sequence numbers and timestamps going on from one call of this method to the next; 100 ms per key
   * (updates every 20 ms), the end packet sent 3 times, 100 ms between keys.
   */
  async typeRfc4733(callee: CalleeName, keys: string, pt: number): Promise<void> {
    const to = await this.firstRtp(callee);
    const peer = this.peers[callee];
    const st = (this.#dtmf[callee] ??= { ssrc: 0x4733_0000 + CALLEES.indexOf(callee), seq: 1000, ts: 8000 });
    const packets: TimedPacket[] = [];
    let atMs = 0;
    for (const key of keys) {
      const event = '0123456789*#ABCD'.indexOf(key.toUpperCase());
      if (event < 0) throw new Error(`not a DTMF key: ${key}`);
      for (let i = 1; i <= 5; i++) {
        packets.push({
          atMs,
          data: buildRtp({
            pt,
            seq: st.seq++,
            timestamp: st.ts,
            ssrc: st.ssrc,
            marker: i === 1,
            payload: telephoneEventPayload(event, false, i * 160),
          }),
        });
        atMs += 20;
      }
      for (let r = 0; r < 3; r++) {
        packets.push({
          atMs: atMs + r * 5,
          data: buildRtp({ pt, seq: st.seq++, timestamp: st.ts, ssrc: st.ssrc, payload: telephoneEventPayload(event, true, 800) }),
        });
      }
      atMs += 100;
      st.ts += 8 * 200;
    }
    await sendTimed(packets, (b) => peer.send(b, to.port, to.address));
  }

  /** Send `frames` µ-law talker frames from `who` to the server (known audio, see rtp-talker.ts). */
  async talk(who: CalleeName | 'caller', talker: number, frames = 50): Promise<void> {
    const to = await this.firstRtp(who);
    const peer = this.peers[who];
    await sendTimed(talkerPackets(talker, frames, 0), (b) => peer.send(b, to.port, to.address));
  }

  /** Payloads `who` received from index `from` on that are frames of `talker` (bit-exact), in order. */
  heard(who: CalleeName | 'caller', talker: number, from = 0, frames = 50): number[] {
    const payloads = this.peers[who].packets
      .slice(from)
      .filter((p) => p.pt === 0)
      .map((p) => p.payload);
    return matchTalkerFrames(payloads, talker, frames).filter((i) => i >= 0);
  }

  /** Wait until some registry record satisfies `pred` (checked now and on every update). */
  waitRecord(pred: (r: CallRecord) => boolean, what: string, timeoutMs = 30_000): Promise<CallRecord> {
    const reg = this.server.registry;
    const found = reg.list({ ended: true }).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reg.off('update', onUpdate);
        const all = reg.list({ ended: true }).map((r) => `${r.flow} ${r.requestUri} ${r.state} ${r.outcome}`);
        reject(new Error(`timed out waiting for ${what}; calls: ${all.join(' | ')}`));
      }, timeoutMs);
      const onUpdate = (r: CallRecord) => {
        if (!pred(r)) return;
        clearTimeout(timer);
        reg.off('update', onUpdate);
        resolve(r);
      };
      reg.on('update', onUpdate);
    });
  }

  /** The caller leg reached `state`. */
  callerIn(state: string, timeoutMs?: number): Promise<CallRecord> {
    return this.waitRecord((r) => isFlow(r, 'quizconnect_caller') && r.state === state, `caller in ${state}`, timeoutMs);
  }

  /** The callee leg to `callee` reached `state`. */
  calleeIn(callee: CalleeName, state: string, timeoutMs?: number): Promise<CallRecord> {
    return this.waitRecord(
      (r) => isFlow(r, 'quizconnect_callee') && r.requestUri.startsWith(`sip:${callee}@`) && r.state === state,
      `${callee} in ${state}`,
      timeoutMs,
    );
  }

  /** Every leg (ended ones too) of the flow. */
  records(flow?: 'quizconnect_caller' | 'quizconnect_callee'): CallRecord[] {
    return this.server.registry.list({ ended: true }).filter((r) => !flow || isFlow(r, flow));
  }

  calleeRecord(callee: CalleeName): CallRecord | undefined {
    return this.records('quizconnect_callee').find((r) => r.requestUri.startsWith(`sip:${callee}@`));
  }

  /** Resolves when no call is active (awaits registry updates). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const reg = this.server.registry;
    if (reg.activeCount === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reg.off('update', onUpdate);
        reject(
          new Error(
            `calls still active: ${reg
              .list()
              .map((r) => `${r.flow} ${r.state}`)
              .join(', ')}`,
          ),
        );
      }, timeoutMs);
      const onUpdate = () => {
        if (reg.activeCount > 0) return;
        clearTimeout(timer);
        reg.off('update', onUpdate);
        resolve();
      };
      reg.on('update', onUpdate);
    });
  }

  /**
   * After the end: no active call, no media stream left, and no RTP reaches any peer during `windowMs`
   * (a silence window is the only way to see an absence; it is not a settle-sleep).
   */
  async assertQuietAfterEnd(windowMs = 600): Promise<void> {
    await this.idle();
    if (this.server.media.streamCount !== 0) throw new Error(`${this.server.media.streamCount} media stream(s) left open`);
    const counts = Object.fromEntries(Object.entries(this.peers).map(([k, p]) => [k, p.packets.length]));
    await new Promise((r) => setTimeout(r, windowMs));
    for (const [k, p] of Object.entries(this.peers)) {
      const extra = p.packets.length - (counts[k] ?? 0);
      if (extra > 0) throw new Error(`${extra} RTP packet(s) reached ${k} after every call had ended`);
    }
  }

  /** Log lines (JSON) whose msg matches. */
  logs(msg: string | RegExp): Array<Record<string, unknown>> {
    return this.logLines
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      })
      .filter((o) => typeof o['msg'] === 'string' && (typeof msg === 'string' ? o['msg'] === msg : msg.test(o['msg'] as string)));
  }

  async stop(): Promise<void> {
    this.#callees?.kill();
    if (process.env.QC_KEEP && this.proxy) writeFileSync(join(this.dir, 'kamailio.log'), this.proxy.log());
    await this.proxy?.stop();
    await this.server.stop();
    for (const p of Object.values(this.peers)) p.close();
    if (!process.env.QC_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fresh harness for `run`, stopped afterwards whatever happens. */
export async function withQuiz(options: QuizHarnessOptions, run: (h: QuizHarness) => Promise<void>): Promise<void> {
  const h = await QuizHarness.start(options);
  try {
    await run(h);
  } finally {
    await h.stop();
  }
}

/** One sipp ran to its end and exited 0: every message its scenario expects came, in order, and nothing else. */
export async function assertSippPassed(sipp: SippProcess, label: string): Promise<void> {
  const res = await sipp.done;
  assert.equal(res.code, 0, sippReport(label, res));
}

/** Both sipps of a pair ran to their end and exited 0 (awaited together: each may be waiting on the other). */
export async function assertPairPassed(pair: SippPair, labels: { caller?: string; callees?: string } = {}): Promise<void> {
  const [rc, re] = await Promise.all([pair.caller.done, pair.callees.done]);
  assert.equal(rc.code, 0, sippReport(labels.caller ?? 'caller', rc));
  assert.equal(re.code, 0, sippReport(labels.callees ?? 'callees', re));
}

/** Transitions of a record's state graph, in order. */
export function transitions(r: CallRecord | undefined): string[] {
  return (r?.stateGraph ?? []).flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
}

/** States of a record's state graph, in order. */
export function states(r: CallRecord | undefined): string[] {
  return (r?.stateGraph ?? []).flatMap((s) => (s.kind === 'state' ? [s.state] : []));
}

/** A sipp result as an assertion message. */
export function sippReport(name: string, res: SippResult): string {
  return `${name} sipp exited ${res.code}: ${res.errors.slice(-2500)} ${res.stderr.slice(-800)}`;
}

/** µ-law packets that are not silence (prompt audio). */
export function audible(packets: RtpPacketInfo[]): RtpPacketInfo[] {
  return packets.filter((p) => p.pt === 0 && p.payload.some((b) => b !== 0xff && b !== 0x7f));
}

/**
 * How many of `packets` (in order) are consecutive frames of the prompt `wavPath` as µ-law — found by locating the
 * first packet's frame in the prompt, then counting the following packets that equal the next frames.
 * Encoded here with alawmulaw (independent of the engine's tables).
 */
export function promptFramesMatched(packets: RtpPacketInfo[], wavPath: string): number {
  const frames = promptUlawFrames(wavPath);
  const audio = packets.filter((p) => p.pt === 0);
  let best = 0;
  for (let start = 0; start < Math.min(audio.length, 50); start++) {
    const first = audio[start]!.payload;
    const at = frames.findIndex((f) => f.equals(first));
    if (at < 0) continue;
    let n = 0;
    while (start + n < audio.length && at + n < frames.length && audio[start + n]!.payload.equals(frames[at + n]!)) n++;
    best = Math.max(best, n);
  }
  return best;
}

const ulawCache = new Map<string, Buffer[]>();
export function promptUlawFrames(wavPath: string): Buffer[] {
  let frames = ulawCache.get(wavPath);
  if (frames) return frames;
  const wav = new wavefile.WaveFile(readFileSync(wavPath));
  const samples = Int16Array.from(wav.getSamples(false, Int16Array) as unknown as ArrayLike<number>);
  const bytes = Buffer.from(alawmulaw.mulaw.encode(samples));
  frames = [];
  for (let i = 0; i + 160 <= bytes.length; i += 160) frames.push(bytes.subarray(i, i + 160));
  ulawCache.set(wavPath, frames);
  return frames;
}

export const PROMPTS_DIR = fileURLToPath(new URL('../../apps/quizconnect/prompts/', import.meta.url));
