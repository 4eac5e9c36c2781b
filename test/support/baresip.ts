/**
 * baresip (baresip-core) as a real phone for end-to-end tests: headless, auto-answer, driven over its ctrl_tcp
 * module (netstring-framed JSON: commands in, responses and events out). Each instance gets its own temp config
 * dir, a SIP port, an RTP port range and a control port, all on 127.0.0.1. Its audio source is a long quiet sine
 * (the call would end when the source ends). It can answer (auto-answer) or call (`dial`), type keys (`sndcode`)
 * and report the keys it receives (`dtmfReceived`, from its CALL_DTMF_START events).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav, sine } from './audio-wav.js';
import { freePort, freeMediaPorts } from './ports.js';

export interface BaresipOptions {
  /** SIP user of its account (the callee name), e.g. 'john'. */
  user: string;
  /** SIP port. Default: a free one. */
  sipPort?: number;
  /** Seconds of audio it sends (the call ends when the source ends). Default 60. */
  sourceSeconds?: number;
}

export type BaresipEvent = { event?: boolean; type?: string; response?: boolean; ok?: boolean; data?: string; token?: string } & Record<
  string,
  unknown
>;

export class Baresip {
  readonly events: BaresipEvent[] = [];
  readonly output: string[] = [];
  #waiters: Array<() => void> = [];
  #buffer = '';
  #token = 0;

  private constructor(
    readonly user: string,
    readonly sipPort: number,
    readonly dir: string,
    readonly child: ChildProcess,
    readonly ctrl: Socket,
    readonly exited: Promise<number | null>,
  ) {
    ctrl.setEncoding('utf8');
    ctrl.on('data', (d: string) => this.#onData(d));
    ctrl.on('error', () => undefined);
  }

  /** Start baresip and connect to its control port (retried until it listens). */
  static async start(options: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
    const sipPort = options.sipPort ?? (await freePort());
    const ctrlPort = await freePort();
    const rtpBase = await freeMediaPorts(42); // its RTP range, inside the test media band (not ephemeral ports)
    writeWav(join(dir, 'source.wav'), [sine(440, (options.sourceSeconds ?? 60) * 1000, 1500)]);
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${sipPort}`,
        'sip_transports udp',
        'net_interface 127.0.0.1',
        `audio_player aufile,${join(dir, 'heard.wav')}`,
        `audio_source aufile,${join(dir, 'source.wav')}`,
        `audio_alert aufile,${join(dir, 'source.wav')}`,
        `rtp_ports ${rtpBase}-${rtpBase + 40}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module_app account.so',
        'module_app menu.so', // the commands (sndcode, hangup, ...)
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'accounts'), `<sip:${options.user}@127.0.0.1:${sipPort};transport=udp>;regint=0;answermode=auto\n`);
    const child = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.setEncoding('utf8').on('data', (d: string) => output.push(d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => output.push(d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    killer.unref();
    const deadline = Date.now() + 15_000;
    let ctrl: Socket | undefined;
    while (!ctrl) {
      if (child.exitCode !== null) throw new Error(`baresip exited: ${output.join('')}`);
      ctrl = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(ctrlPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(undefined));
      });
      if (!ctrl) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`baresip control port never opened: ${output.join('')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const b = new Baresip(options.user, sipPort, dir, child, ctrl, exited);
    b.output.push(...output);
    child.stdout?.on('data', (d: string) => b.output.push(d));
    return b;
  }

  #onData(d: string): void {
    this.#buffer += d;
    for (;;) {
      const colon = this.#buffer.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.#buffer.slice(0, colon));
      if (!Number.isInteger(len) || this.#buffer.length < colon + 1 + len + 1) return;
      const json = this.#buffer.slice(colon + 1, colon + 1 + len);
      this.#buffer = this.#buffer.slice(colon + 1 + len + 1);
      try {
        this.events.push(JSON.parse(json) as BaresipEvent);
      } catch {
        this.events.push({ type: 'UNPARSED', data: json });
      }
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    }
  }

  /** Resolve with the first event (or response) matching `pred`, now or later. */
  waitFor(pred: (e: BaresipEvent) => boolean, what: string, timeoutMs = 20_000): Promise<BaresipEvent> {
    return this.#until(() => this.events.find(pred), what, timeoutMs);
  }

  /** Resolve with `probe()`'s first defined value, re-checked on every event or response. */
  #until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baresip: timed out waiting for ${what}; events: ${JSON.stringify(this.events)}`)), timeoutMs);
      const check = () => {
        const v = probe();
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** An event of this type (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, ...). */
  event(type: string, timeoutMs?: number): Promise<BaresipEvent> {
    return this.waitFor((e) => e.event === true && e.type === type, `event ${type}`, timeoutMs);
  }

  /** Run a command; resolves with its response. */
  command(command: string, params = ''): Promise<BaresipEvent> {
    const token = `t${++this.#token}`;
    const json = JSON.stringify({ command, params, token });
    this.ctrl.write(`${Buffer.byteLength(json)}:${json},`);
    return this.waitFor((e) => e.response === true && e.token === token, `response to ${command}`);
  }

  /** Call `uri` from its account (ctrl_tcp `dial`); then await e.g. event('CALL_ESTABLISHED'). */
  dial(uri: string): Promise<BaresipEvent> {
    return this.command('dial', uri);
  }

  /** The DTMF keys it received so far (CALL_DTMF_START events, whose `param` is the key), in order. */
  get dtmfReceived(): string {
    return this.events.flatMap((e) => (e.event === true && e.type === 'CALL_DTMF_START' && typeof e.param === 'string' ? [e.param] : [])).join('');
  }

  /**
   * Resolve once it has received at least `count` DTMF keys in all; returns them. (Each key it reports is a
   * CALL_DTMF_START; a CALL_DTMF_END without a key follows when the key ends.)
   */
  waitForDtmf(count: number, timeoutMs = 20_000): Promise<string> {
    return this.#until(() => (this.dtmfReceived.length >= count ? this.dtmfReceived : undefined), `${count} received DTMF key(s)`, timeoutMs);
  }

  /** Type DTMF keys in the current call (RFC 4733 telephone-events). */
  sndcode(keys: string): Promise<BaresipEvent> {
    return this.command('sndcode', keys);
  }

  async stop(): Promise<void> {
    this.ctrl.destroy();
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
