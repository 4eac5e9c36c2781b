/**
 * The admin API's payloads as zod schemas: requests are validated by the server, answers by the client (CLI), so
 * a version mismatch shows as a clear error instead of a table of `undefined`.
 */
import { z } from 'zod';

/** `GET /calls` query. */
export const callsQuerySchema = z.strictObject({
  app: z.string().min(1).optional().describe('Only calls of this app. Default: all apps.'),
  state: z.string().min(1).optional().describe('Only calls whose current state is this dotted path or below it. Default: any.'),
  ended: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .transform((v) => v === '1' || v === 'true')
    .describe('Include ended calls still kept. Default false.'),
});

/** `GET /apps/:name/flows/:flow` query. */
export const flowQuerySchema = z.strictObject({
  version: z.coerce.number().int().positive().optional().describe('App version the call runs on. Default: current.'),
});

/** `POST /apps/:name/reload` body: empty, `{}`, or nothing else. */
export const reloadBodySchema = z.strictObject({});

const outcomeSchema = z.enum(['active', 'completed', 'rejected', 'cancelled', 'failed', 'error']);

export const callSummarySchema = z.object({
  id: z.string(),
  app: z.string(),
  flow: z.string(),
  state: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  /** ISO 8601. */
  started: z.string(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  outcome: outcomeSchema,
});
export type CallSummary = z.infer<typeof callSummarySchema>;

export const callsResponseSchema = z.object({ count: z.number().int(), calls: z.array(callSummarySchema) });
export type CallsResponse = z.infer<typeof callsResponseSchema>;

const stepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('state'), at: z.number(), state: z.string() }),
  z.object({ kind: z.literal('transition'), at: z.number(), description: z.string(), event: z.string() }),
]);

export const callRecordSchema = z.object({
  id: z.string(),
  app: z.string(),
  appVersion: z.number(),
  flow: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  requestUri: z.string(),
  sipCallId: z.string().optional(),
  transport: z.enum(['udp', 'tcp', 'ws', 'wss']).optional(),
  parentId: z.string().optional(),
  state: z.string(),
  stateGraph: z.array(stepSchema),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  outcome: outcomeSchema,
  endReason: z.string().optional(),
});
export const callResponseSchema = z.object({ call: callRecordSchema });
export type CallResponse = z.infer<typeof callResponseSchema>;

/** What the phone page (/phone) needs: the SIP over WebSocket listeners, the SIP address it dials, the apps. */
export const phoneConfigSchema = z.object({
  websocket: z.array(z.object({ host: z.string(), port: z.number(), transport: z.enum(['ws', 'wss']) })),
  sip: z.object({ host: z.string(), port: z.number() }).optional(),
  apps: z.array(z.object({ name: z.string(), flows: z.array(z.string()) })),
});
export type PhoneConfig = z.infer<typeof phoneConfigSchema>;

export const appsResponseSchema = z.object({
  apps: z.array(z.object({ name: z.string(), version: z.number(), loadedAt: z.number(), flows: z.array(z.string()) })),
});
export type AppsResponse = z.infer<typeof appsResponseSchema>;

export const reloadResponseSchema = z.object({ ok: z.literal(true), app: z.string(), version: z.number() });
export type ReloadResponse = z.infer<typeof reloadResponseSchema>;

export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  uptimeSeconds: z.number(),
  activeCalls: z.number(),
  apps: z.number(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const errorResponseSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A zod error as one line: 'ended: Invalid option…; foo: Unrecognized key'. */
export function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
