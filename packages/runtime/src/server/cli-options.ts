/**
 * `npm run app <name>[,<name>...] [-- options]`: the command line, parsed into ServerOptions (testable without
 * starting anything).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parseOutboundProxy } from '../sip/outbound-proxy.js';
import { DEFAULT_TCP_LIMITS } from '../sip/tcp-limits.js';
import { parseSet } from './app-config.js';
import { serverErrors } from './errors.js';
import type { ServerOptions } from './server.js';

export function parseHostPort(option: string, value: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) throw serverErrors.badOption(option, `expected HOST:PORT (e.g. 127.0.0.1:5060), got '${value}'`);
  return { host: m[1], port };
}

export function parsePortRange(option: string, value: string): [number, number] {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2]) : NaN;
  if (!m || a < 1024 || b > 65535 || b - a < 3)
    throw serverErrors.badOption(option, `expected A-B with 1024 <= A, B <= 65535, at least 4 ports (e.g. 10000-20000), got '${value}'`);
  return [a, b];
}

function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw serverErrors.badOption(option, `expected a whole number, got '${value}'`);
  return n;
}

function atLeastOne(option: string, value: string): number {
  const n = positiveInt(option, value);
  if (n < 1) throw serverErrors.badOption(option, `expected at least 1, got '${value}'`);
  return n;
}

/** --ws / --wss (+ --tls-cert, --tls-key) as the server's WebSocket listeners; the PEM files are read now. */
function webSocketOptions(o: { ws?: string; wss?: string; tlsCert?: string; tlsKey?: string }): Pick<ServerOptions, 'websocket'> {
  const listeners: NonNullable<ServerOptions['websocket']> = [];
  if (o.ws !== undefined) listeners.push(parseHostPort('--ws', o.ws));
  if (o.wss !== undefined) {
    if (o.tlsCert === undefined || o.tlsKey === undefined) throw serverErrors.badOption('--wss', 'needs --tls-cert FILE and --tls-key FILE (PEM)');
    listeners.push({ ...parseHostPort('--wss', o.wss), tls: { cert: readPem('--tls-cert', o.tlsCert), key: readPem('--tls-key', o.tlsKey) } });
  } else if (o.tlsCert !== undefined || o.tlsKey !== undefined) {
    throw serverErrors.badOption(o.tlsCert !== undefined ? '--tls-cert' : '--tls-key', 'only used with --wss HOST:PORT');
  }
  return listeners.length ? { websocket: listeners } : {};
}

function readPem(option: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw serverErrors.badOption(option, `${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!text.includes('-----BEGIN ')) throw serverErrors.badOption(option, `${file}: not a PEM file`);
  return text;
}

export function appCommand(): Command {
  return new Command('app')
    .description('Serve sipflow apps (folders under apps/). Several apps: `a,b` or `a b`; the first whose inbound routes match takes a call.')
    .argument('<apps...>', 'app names, e.g. quizconnect')
    .addOption(new Option('--sip <host:port>', 'SIP address (UDP and TCP)').default('127.0.0.1:5060'))
    .addOption(
      new Option(
        '--advertise <host:port>',
        'SIP address peers reach us at (Contact, Via), when not the --sip one: behind NAT or a proxy; default: --sip',
      ),
    )
    .addOption(
      new Option(
        '--outbound-proxy <uri>',
        'send the legs we place through this proxy (loose routing), e.g. sip:127.0.0.1:5070;lr; one app: outbound_proxy in its config (--set app.outbound_proxy=...)',
      ),
    )
    .addOption(new Option('--ws <host:port>', 'SIP over WebSocket (RFC 7118) for browsers, e.g. 127.0.0.1:8088; default: off'))
    .addOption(new Option('--wss <host:port>', 'SIP over secure WebSocket (needs --tls-cert and --tls-key), e.g. 0.0.0.0:8089; default: off'))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate (chain) for --wss'))
    .addOption(new Option('--tls-key <file>', 'PEM private key for --wss'))
    .addOption(new Option('--rtp-ports <a-b>', 'RTP port range').default('10000-20000'))
    .addOption(new Option('--admin <host:port|off>', 'admin HTTP API and web page; off to disable').default('127.0.0.1:8090'))
    .addOption(new Option('--admin-token <token>', 'bearer token for the admin API (required off loopback)').env('SIPFLOW_ADMIN_TOKEN'))
    .addOption(
      new Option('--set <key=value>', 'app config value; app.key=value for one app (repeatable)').argParser((v: string, prev: string[] = []) => [
        ...prev,
        v,
      ]),
    )
    .addOption(new Option('--config <file>', 'JSON file of app config: keys for every app, or { "<app>": { ... } }'))
    .addOption(
      new Option('--log-level <level>', 'pino log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: pretty (coloured, for a terminal) or json (one object per line, for collectors); default: pretty when stdout is a terminal, json otherwise',
      ).choices(['pretty', 'json']),
    )
    .addOption(new Option('--watch', 'reload an app when its files change (new calls only)'))
    .addOption(new Option('--max-calls <n>', 'most call legs at once; INVITEs beyond get 503').default('1000'))
    .addOption(
      new Option(
        '--assumed-fan-out <n>',
        "legs a call of a flow is assumed to dial (counted against --max-calls and the RTP ports) until one of the flow's calls has dialled or answered",
      ).default('2'),
    )
    .addOption(
      new Option('--media-workers <n>', 'media worker threads (RTP, clock, rooms); 0 = media on the main thread; default: cores - 1, at least 1'),
    )
    .addOption(
      new Option(
        '--rtp-latch',
        "for callers behind NAT: a stream may latch once, before it accepts any RTP, to a source on the signalling peer's IP; default: RTP/RTCP only from the SDP address",
      ),
    )
    .addOption(
      new Option(
        '--sip-dialog-any-source',
        "take BYE, INFO and re-INVITE of a call from anyone who knows its Call-ID and tags (a proxy cluster relaying from several IPs); default: only from the dialog peer's IP, others get 403",
      ),
    )
    .addOption(
      new Option(
        '--tcp-max-connections <n>',
        'SIP over TCP: most connections at once (when full, the longest-idle one without a call is closed)',
      ).default(String(DEFAULT_TCP_LIMITS.maxConnections)),
    )
    .addOption(
      new Option('--tcp-max-per-source <n>', 'SIP over TCP: most connections from one IP address').default(String(DEFAULT_TCP_LIMITS.maxPerSource)),
    )
    .addOption(
      new Option('--tcp-idle-timeout <seconds>', 'SIP over TCP: close a connection without a call after this long without traffic').default(
        String(DEFAULT_TCP_LIMITS.idleTimeoutMs / 1000),
      ),
    )
    .addOption(
      new Option(
        '--tcp-read-timeout <seconds>',
        'SIP over TCP: close a connection whose message is still incomplete this long after its first byte',
      ).default(String(DEFAULT_TCP_LIMITS.readTimeoutMs / 1000)),
    )
    .addOption(
      new Option('--sip-max-message <bytes>', 'SIP over TCP: largest message (headers + body); a larger one closes the connection').default(
        String(DEFAULT_TCP_LIMITS.maxMessageBytes),
      ),
    )
    .addOption(new Option('--rtp-timeout <seconds>', 'end a call after this long without RTP (0 = never)').default('0'))
    .addOption(
      new Option(
        '--drain-timeout <seconds>',
        'on SIGTERM: refuse new calls (503) and wait this long for calls in progress to end, then end the rest',
      ).default('30'),
    )
    .addOption(new Option('--keep-ended <seconds>', 'how long ended calls stay visible in the registry').default('300'))
    .exitOverride();
}

function outboundProxy(option: string, value: string): string {
  const proxy = parseOutboundProxy(value);
  if (typeof proxy === 'string') throw serverErrors.badOption(option, proxy);
  return value.trim();
}

function mediaWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 64)
    throw serverErrors.badOption('--media-workers', `${value} (a whole number 0-64; 0 = media on the main thread)`);
  return n;
}

export interface ParsedAppArgs {
  options: ServerOptions;
  logLevel: string;
  /** Undefined: the caller picks (pretty on a terminal). */
  logFormat: 'pretty' | 'json' | undefined;
  /** SIGTERM: how long calls in progress may take to end before they are ended (ms). */
  drainTimeoutMs: number;
}

/** Parse argv (without node and script). Throws ServerError 'BAD_OPTION' or a CommanderError. */
export function parseAppArgs(argv: string[]): ParsedAppArgs {
  const cmd = appCommand();
  cmd.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    sip: string;
    advertise?: string;
    outboundProxy?: string;
    ws?: string;
    wss?: string;
    tlsCert?: string;
    tlsKey?: string;
    rtpPorts: string;
    admin: string;
    adminToken?: string;
    set?: string[];
    config?: string;
    logLevel: string;
    logFormat?: 'pretty' | 'json';
    watch?: boolean;
    maxCalls: string;
    assumedFanOut: string;
    mediaWorkers?: string;
    rtpTimeout: string;
    rtpLatch?: boolean;
    sipDialogAnySource?: boolean;
    tcpMaxConnections: string;
    tcpMaxPerSource: string;
    tcpIdleTimeout: string;
    tcpReadTimeout: string;
    sipMaxMessage: string;
    keepEnded: string;
    drainTimeout: string;
  }>();
  const apps = (cmd.args as string[])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  if (!apps.length) throw serverErrors.badOption('<apps>', 'name at least one app');
  let file: Record<string, unknown> | undefined;
  if (o.config) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(o.config, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
      file = parsed as Record<string, unknown>;
    } catch (err) {
      throw serverErrors.badOption('--config', `${o.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const admin = o.admin === 'off' ? null : { ...parseHostPort('--admin', o.admin), ...(o.adminToken ? { token: o.adminToken } : {}) };
  return {
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    drainTimeoutMs: positiveInt('--drain-timeout', o.drainTimeout) * 1000,
    options: {
      apps,
      sip: parseHostPort('--sip', o.sip),
      ...(o.advertise !== undefined ? { advertise: parseHostPort('--advertise', o.advertise) } : {}),
      ...(o.outboundProxy !== undefined ? { outboundProxy: outboundProxy('--outbound-proxy', o.outboundProxy) } : {}),
      rtpPorts: parsePortRange('--rtp-ports', o.rtpPorts),
      ...webSocketOptions(o),
      admin,
      config: { ...(file ? { file } : {}), sets: (o.set ?? []).map(parseSet) },
      maxCalls: positiveInt('--max-calls', o.maxCalls),
      admission: { assumedFanOut: positiveInt('--assumed-fan-out', o.assumedFanOut) },
      ...(o.mediaWorkers !== undefined ? { mediaWorkers: mediaWorkers(o.mediaWorkers) } : {}),
      rtpTimeoutMs: positiveInt('--rtp-timeout', o.rtpTimeout) * 1000,
      rtpLatch: !!o.rtpLatch,
      ...(o.sipDialogAnySource ? { sipDialogSource: 'any' as const } : {}),
      sipTcp: {
        maxConnections: atLeastOne('--tcp-max-connections', o.tcpMaxConnections),
        maxPerSource: atLeastOne('--tcp-max-per-source', o.tcpMaxPerSource),
        idleTimeoutMs: atLeastOne('--tcp-idle-timeout', o.tcpIdleTimeout) * 1000,
        readTimeoutMs: atLeastOne('--tcp-read-timeout', o.tcpReadTimeout) * 1000,
        maxMessageBytes: atLeastOne('--sip-max-message', o.sipMaxMessage),
      },
      retainEndedMs: positiveInt('--keep-ended', o.keepEnded) * 1000,
      watch: !!o.watch,
      logLevel: o.logLevel,
    },
  };
}
