/**
 * The admin HTTP API and web page (node:http, no framework). Read-mostly: it lists calls from the registry,
 * serves metrics and flow diagrams, streams updates to the web page, and asks the server to reload apps.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import type { CallRecord } from '../registry-types.js';
import type { AdminDeps, AdminServer, AdminServerOptions, FlowDiagram } from './admin-types.js';
import { AdminError, adminErrors } from './errors.js';
import { browserAttackReason, isLoopbackHost, requestToken, tokenMatches, TOKEN_COOKIE } from './auth.js';
import { callsQuerySchema, flowQuerySchema, reloadBodySchema, zodMessage, type CallSummary } from './api-schemas.js';
import { CallCounters } from './call-counters.js';
import { EventLoopLagMonitor } from './event-loop-lag.js';
import { renderMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import { SseHub } from './sse-hub.js';
import { renderDiagramSvg } from './diagram-svg.js';
import { describeFlow } from '../../review/flow-graph.js';

const MAX_BODY = 64 * 1024;

/** The web page's files, read once. */
function loadWebAssets(): Map<string, { type: string; body: string }> {
  const read = (name: string) => readFileSync(new URL(`./web/${name}`, import.meta.url), 'utf8');
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: read('index.html') }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: read('app.js') }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: read('style.css') }],
  ]);
}

export function summarizeCall(record: CallRecord): CallSummary {
  const summary: CallSummary = {
    id: record.id,
    app: record.app,
    flow: record.flow,
    state: record.state,
    direction: record.direction,
    from: record.from,
    to: record.to,
    started: new Date(record.startedAt).toISOString(),
    startedAt: record.startedAt,
    outcome: record.outcome,
  };
  if (record.endedAt !== undefined) summary.endedAt = record.endedAt;
  return summary;
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw adminErrors.badRequest(`invalid ${what}: ${zodMessage(result.error)}`);
  return result.data;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw adminErrors.badRequest(`body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw adminErrors.badRequest('body is not valid JSON');
  }
}

/**
 * Start the admin server.
 *
 * @example
 * const admin = await startAdminServer({ host: '127.0.0.1', port: 8090 }, { registry, apps, flowMachine, metrics, logger });
 * // … later
 * await admin.close();
 */
export async function startAdminServer(options: AdminServerOptions, deps: AdminDeps): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8090;
  const token = options.token || undefined;
  if (!isLoopbackHost(host) && !token) throw adminErrors.tokenRequired(host);

  const log = deps.logger.child({ component: 'admin' });
  const assets = loadWebAssets();
  const counters = new CallCounters(deps.registry);
  const lag = new EventLoopLagMonitor();
  const hub = new SseHub(deps.registry, log);
  const diagrams = new WeakMap<AnyStateMachine, { graph: FlowDiagram; svg: string }>();
  const startedAt = Date.now();

  const diagramOf = (app: string, flow: string, version: number | undefined) => {
    if (!deps.apps.list().some((a) => a.name === app)) throw adminErrors.appNotFound(app, deps.apps.list().map((a) => a.name));
    const machine = deps.flowMachine(app, flow, version);
    if (!machine) throw adminErrors.flowNotFound(app, flow);
    let entry = diagrams.get(machine);
    if (!entry) {
      const graph = describeFlow(machine);
      entry = { graph, svg: renderDiagramSvg(graph) };
      diagrams.set(machine, entry);
    }
    return entry;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);

    const attack = browserAttackReason(req, host);
    if (attack) throw adminErrors.forbidden(attack);

    if (token) {
      // The web page is opened once as /?token=…: trade the token for a cookie, so EventSource works too.
      if (method === 'GET' && path === '/' && url.searchParams.has('token')) {
        if (!tokenMatches(url.searchParams.get('token') ?? undefined, token)) throw adminErrors.unauthorized();
        res.writeHead(303, {
          location: '/',
          'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        });
        res.end();
        return;
      }
      if (!tokenMatches(requestToken(req), token)) throw adminErrors.unauthorized();
    }

    let segments: string[];
    try {
      segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw adminErrors.badRequest(`malformed URL path '${path}'`);
    }
    const route = (allowed: string[]) => {
      if (!allowed.includes(method)) throw adminErrors.methodNotAllowed(method, path, allowed);
    };

    const asset = assets.get(path);
    if (asset) {
      route(['GET']);
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' });
      res.end(asset.body);
      return;
    }
    const [first, second, third, fourth, fifth] = segments;
    if (first === 'health' && segments.length === 1) {
      route(['GET']);
      sendJson(res, 200, {
        status: 'ok',
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        activeCalls: deps.registry.activeCount,
        apps: deps.apps.list().length,
      });
      return;
    }
    if (first === 'calls' && segments.length === 1) {
      route(['GET']);
      const q = parse(callsQuerySchema, query, 'query');
      let calls = deps.registry.list({ ended: q.ended, ...(q.app ? { app: q.app } : {}) });
      // State filter: the state itself or any state below it ('CONNECTED' matches 'CONNECTED.talking').
      if (q.state) calls = calls.filter((c) => c.state === q.state || c.state.startsWith(`${q.state}.`));
      const summaries = calls.map(summarizeCall).sort((a, b) => a.startedAt - b.startedAt);
      sendJson(res, 200, { count: summaries.length, calls: summaries });
      return;
    }
    if (first === 'calls' && second !== undefined && segments.length === 2) {
      route(['GET']);
      const call = deps.registry.get(second);
      if (!call) throw adminErrors.callNotFound(second);
      sendJson(res, 200, { call });
      return;
    }
    if (first === 'apps' && segments.length === 1) {
      route(['GET']);
      sendJson(res, 200, { apps: deps.apps.list() });
      return;
    }
    if (first === 'apps' && second !== undefined && third === 'reload' && segments.length === 3) {
      route(['POST']);
      parse(reloadBodySchema, await readBody(req), 'body');
      const known = deps.apps.list().map((a) => a.name);
      if (!known.includes(second)) throw adminErrors.appNotFound(second, known);
      const result = await deps.apps.reload(second);
      if (!result.ok) {
        log.warn({ app: second, code: result.code }, 'reload refused: %s', result.message);
        throw adminErrors.reloadFailed(second, result.code, result.message);
      }
      log.info({ app: second, version: result.version }, 'app reloaded');
      sendJson(res, 200, { ok: true, app: second, version: result.version });
      return;
    }
    if (first === 'apps' && second !== undefined && third === 'flows' && fourth !== undefined && segments.length <= 5) {
      route(['GET']);
      const { version } = parse(flowQuerySchema, query, 'query');
      if (segments.length === 5) {
        if (fifth !== 'diagram.svg') throw adminErrors.notFound(method, path);
        const { svg } = diagramOf(second, fourth, version);
        res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-store' });
        res.end(svg);
        return;
      }
      sendJson(res, 200, { flow: diagramOf(second, fourth, version).graph });
      return;
    }
    if (first === 'metrics' && segments.length === 1) {
      route(['GET']);
      const body = renderMetrics({
        active: deps.registry.list(),
        totals: counters.totals(),
        callsPerSecond: counters.callsPerSecond(),
        snapshot: deps.metrics(),
        eventLoopLag: lag.read(),
      });
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (first === 'events' && segments.length === 1) {
      route(['GET']);
      hub.attach(res);
      return;
    }
    throw adminErrors.notFound(method, path);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const error = err instanceof AdminError ? err : adminErrors.internal('internal error');
      if (!(err instanceof AdminError)) log.error({ err, url: req.url }, 'admin request failed');
      try {
        if (res.headersSent) res.destroy();
        else sendJson(res, error.status, error.toJSON());
      } catch (sendErr) {
        // The client is gone; nothing else to do (and never an unhandled rejection).
        log.debug({ err: sendErr }, 'could not send the error answer');
      }
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(adminErrors.listenFailed(host, port, err.code ?? err.message)));
    server.listen(port, host, () => resolve());
  });
  server.on('error', (err) => log.error({ err }, 'admin server error'));
  const bound = server.address() as AddressInfo;
  const address = { host, port: bound.port };
  log.info({ address: `${host}:${bound.port}`, auth: token ? 'bearer' : 'none' }, 'admin API listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= (async () => {
        hub.close();
        counters.close();
        lag.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
