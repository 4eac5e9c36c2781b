/**
 * The admin HTTP API and web page, on fastify: every route is declared with its method, path and zod schemas
 * (query, params, body, 200 answer). Read-mostly: it lists calls from the registry, serves metrics and flow
 * diagrams, streams updates to the web page (SSE), and asks the server to reload apps. Who may call it: auth.ts.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest, type FastifySchema, type HTTPMethods } from 'fastify';
import type { AnyStateMachine } from 'xstate';
import { z } from 'zod';
import type { CallRecord } from '../registry-types.js';
import type { AdminDeps, AdminServer, AdminServerOptions, FlowDiagram } from './admin-types.js';
import { AdminError, adminErrors } from './errors.js';
import { browserAttackReason, isLoopbackHost, requestToken, tokenMatches, TOKEN_COOKIE } from './auth.js';
import {
  appsResponseSchema,
  callResponseSchema,
  callsQuerySchema,
  callsResponseSchema,
  flowQuerySchema,
  healthResponseSchema,
  phoneConfigSchema,
  reloadBodySchema,
  reloadResponseSchema,
  zodMessage,
  type CallSummary,
} from './api-schemas.js';
import { CallCounters } from './call-counters.js';
import { EventLoopLagMonitor } from './event-loop-lag.js';
import { ProcessMetrics, renderMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import { SseHub } from './sse-hub.js';
import { sipJsBrowserBundle } from './phone-assets.js';
import { renderDiagramSvg } from './diagram-svg.js';
import { describeFlow } from '../../review/flow-graph.js';

const MAX_BODY = 64 * 1024;
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The web page's files, read once. */
function loadWebAssets(): Map<string, { type: string; body: string }> {
  const read = (name: string) => readFileSync(new URL(`./web/${name}`, import.meta.url), 'utf8');
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: read('index.html') }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: read('app.js') }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: read('style.css') }],
    ['/diagram.js', { type: 'text/javascript; charset=utf-8', body: read('diagram.js') }],
    ['/phone', { type: 'text/html; charset=utf-8', body: read('phone.html') }],
    ['/phone.js', { type: 'text/javascript; charset=utf-8', body: read('phone.js') }],
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

/** The parts of a request a route's schema may describe. */
interface RouteSchemas {
  querystring?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  /** The 200 answer: what is sent is checked against it (the CLI's client parses answers with the same schema). */
  response?: z.ZodType;
}

type Parsed<S extends RouteSchemas, K extends keyof RouteSchemas> = S[K] extends z.ZodType ? z.output<S[K]> : unknown;

interface RouteRequest<S extends RouteSchemas> {
  query: Parsed<S, 'querystring'>;
  params: Parsed<S, 'params'>;
  body: Parsed<S, 'body'>;
  raw: FastifyRequest;
}

const schemaPart: Record<string, string> = { querystring: 'query', params: 'path', body: 'body' };

/** fastify compiles each declared schema once: zod parses the request part (its output is what the handler sees). */
function zodValidator({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const zod = schema as z.ZodType;
  const what = schemaPart[httpPart ?? ''] ?? httpPart ?? 'request';
  return (data: unknown) => {
    const result = zod.safeParse(data);
    return result.success ? { value: result.data } : { error: adminErrors.badRequest(`invalid ${what}: ${zodMessage(result.error)}`) };
  };
}

/** Answers declared with a schema are checked against it, then serialised. */
function zodSerializer({ schema }: { schema: unknown }) {
  const zod = schema as z.ZodType;
  return (data: unknown) => JSON.stringify(zod.parse(data));
}

/** Path parameters as declared by a route's URL: ':id' and friends, non-empty strings. */
const param = z.string().min(1);

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
  const processMetrics = new ProcessMetrics();
  const hub = new SseHub(deps.registry, log);
  const diagrams = new WeakMap<AnyStateMachine, { graph: FlowDiagram; svg: string }>();
  const startedAt = Date.now();

  const diagramOf = (app: string, flow: string, version: number | undefined) => {
    if (!deps.apps.list().some((a) => a.name === app))
      throw adminErrors.appNotFound(
        app,
        deps.apps.list().map((a) => a.name),
      );
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

  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY,
    // Every connection (SSE streams included) is closed by close().
    forceCloseConnections: true,
    // A GET route does not answer HEAD: the API answers what it declares, anything else is 405.
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // A path that is not valid percent-encoding ('/calls/%E0%A4%A') is a coded 400 like every other bad request.
    frameworkErrors: (err, _req, reply) => {
      const error = adminErrors.badRequest(`malformed URL: ${err.message}`);
      reply.raw.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      reply.raw.end(JSON.stringify(error.toJSON()));
    },
  });
  app.setValidatorCompiler(zodValidator);
  app.setSerializerCompiler(zodSerializer);

  // Bodies: JSON whatever the content type says (curl -d sends form encoding), empty = {}; at most MAX_BODY bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
    const trimmed = String(text).trim();
    if (!trimmed) return done(null, {});
    try {
      done(null, JSON.parse(trimmed) as unknown);
    } catch {
      done(adminErrors.badRequest('body is not valid JSON'), undefined);
    }
  });

  // Who may call: no browser attack (DNS rebinding, CSRF) on a token-less loopback API; with a token, only its holder.
  app.addHook('onRequest', async (req, reply) => {
    const attack = browserAttackReason(req.raw, host);
    if (attack) throw adminErrors.forbidden(attack);
    if (!token) return;
    // The web pages are opened once as /?token=… or /phone?token=…: trade the token for a cookie, so EventSource
    // (and the phone's fetches) work too.
    const url = new URL(req.url, 'http://admin');
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/phone') && url.searchParams.has('token')) {
      if (!tokenMatches(url.searchParams.get('token') ?? undefined, token)) throw adminErrors.unauthorized();
      return reply
        .code(303)
        .header('location', url.pathname)
        .header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`)
        .send();
    }
    if (!tokenMatches(requestToken(req.raw), token)) throw adminErrors.unauthorized();
    return undefined;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    let error: AdminError;
    if (err instanceof AdminError) error = err;
    else if (typeof (err as { statusCode?: unknown }).statusCode === 'number' && (err as { statusCode: number }).statusCode < 500) {
      // fastify's own refusals (body too large, bad content length): a bad request, with fastify's reason.
      error = adminErrors.badRequest((err as Error).message);
    } else {
      log.error({ err, url: req.url }, 'admin request failed');
      error = adminErrors.internal('internal error');
    }
    void reply.code(error.status).header('content-type', 'application/json; charset=utf-8').send(error.toJSON());
  });
  app.setNotFoundHandler((req) => {
    throw adminErrors.notFound(req.method, new URL(req.url, 'http://admin').pathname);
  });

  /** Declare a route with its schemas; the path answers 405 to every other method. */
  const allowed = new Map<string, HTTPMethods[]>();
  function route<S extends RouteSchemas>(
    method: HTTPMethods,
    url: string,
    schemas: S,
    handler: (req: RouteRequest<S>, reply: FastifyReply) => unknown,
  ): void {
    const { response, ...request } = schemas;
    app.route({
      method,
      url,
      schema: { ...request, ...(response ? { response: { 200: response } } : {}) } as FastifySchema,
      handler: async (req, reply) => handler({ query: req.query as never, params: req.params as never, body: req.body as never, raw: req }, reply),
    });
    allowed.set(url, [...(allowed.get(url) ?? []), method]);
  }

  for (const [path, asset] of assets) {
    route('GET', path, {}, (_req, reply) => reply.type(asset.type).send(asset.body));
  }
  route('GET', '/vendor/sip.js', {}, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'max-age=3600')
      .send(await sipJsBrowserBundle()),
  );
  route('GET', '/phone/config', { response: phoneConfigSchema }, () => ({
    ...(deps.phone?.() ?? { websocket: [], sip: undefined }),
    apps: deps.apps.list().map((a) => ({ name: a.name, flows: a.flows })),
  }));
  route('GET', '/health', { response: healthResponseSchema }, () => ({
    status: 'ok' as const,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    activeCalls: deps.registry.activeCount,
    apps: deps.apps.list().length,
  }));
  route('GET', '/calls', { querystring: callsQuerySchema, response: callsResponseSchema }, ({ query: q }) => {
    let calls = deps.registry.list({ ended: q.ended, ...(q.app ? { app: q.app } : {}) });
    // State filter: the state itself or any state below it ('CONNECTED' matches 'CONNECTED.talking').
    if (q.state) calls = calls.filter((c) => c.state === q.state || c.state.startsWith(`${q.state}.`));
    const summaries = calls.map(summarizeCall).sort((a, b) => a.startedAt - b.startedAt);
    return { count: summaries.length, calls: summaries };
  });
  route('GET', '/calls/:id', { params: z.strictObject({ id: param }), response: callResponseSchema }, ({ params }) => {
    const call = deps.registry.get(params.id);
    if (!call) throw adminErrors.callNotFound(params.id);
    return { call };
  });
  route('GET', '/apps', { response: appsResponseSchema }, () => ({ apps: deps.apps.list() }));
  route(
    'POST',
    '/apps/:app/reload',
    { params: z.strictObject({ app: param }), body: z.preprocess((v) => v ?? {}, reloadBodySchema), response: reloadResponseSchema },
    async ({ params: { app: name } }) => {
      const known = deps.apps.list().map((a) => a.name);
      if (!known.includes(name)) throw adminErrors.appNotFound(name, known);
      const result = await deps.apps.reload(name);
      if (!result.ok) {
        log.warn({ app: name, code: result.code }, 'reload refused: %s', result.message);
        throw adminErrors.reloadFailed(name, result.code, result.message);
      }
      log.info({ app: name, version: result.version }, 'app reloaded');
      return { ok: true as const, app: name, version: result.version };
    },
  );
  const flowParams = z.strictObject({ app: param, flow: param });
  route('GET', '/apps/:app/flows/:flow', { params: flowParams, querystring: flowQuerySchema }, ({ params, query }) => ({
    flow: diagramOf(params.app, params.flow, query.version).graph,
  }));
  route('GET', '/apps/:app/flows/:flow/diagram.svg', { params: flowParams, querystring: flowQuerySchema }, ({ params, query }, reply) =>
    reply.type('image/svg+xml; charset=utf-8').send(diagramOf(params.app, params.flow, query.version).svg),
  );
  route('GET', '/metrics', {}, async (_req, reply) => {
    const body = renderMetrics({
      active: deps.registry.list(),
      totals: counters.totals(),
      callsPerSecond: counters.callsPerSecond(),
      snapshot: deps.metrics(),
      eventLoopLag: lag.read(),
    });
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(body + (await processMetrics.render()));
  });
  route('GET', '/events', {}, (_req, reply) => {
    // The stream outlives the handler: fastify lets go of the response and the hub writes to it.
    reply.hijack();
    hub.attach(reply.raw);
  });
  for (const [url, methods] of allowed) {
    const others = METHODS.filter((m) => !methods.includes(m));
    app.route({
      method: others,
      url,
      handler: async (req) => {
        throw adminErrors.methodNotAllowed(req.method, new URL(req.url, 'http://admin').pathname, methods);
      },
    });
  }

  try {
    await app.listen({ host, port });
  } catch (err) {
    hub.close();
    counters.close();
    lag.close();
    processMetrics.close();
    const e = err as NodeJS.ErrnoException;
    throw adminErrors.listenFailed(host, port, e.code ?? e.message);
  }
  app.server.on('clientError', (_err, socket) => socket.destroy());
  const bound = app.server.address() as AddressInfo;
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
        processMetrics.close();
        await app.close();
      })();
      return closing;
    },
  };
}
