/**
 * A typed client of the admin API (used by the CLI). Answers are validated; failures are AdminErrors:
 * UNREACHABLE when nothing answers, the server's own code (CALL_NOT_FOUND, UNAUTHORIZED, …) otherwise.
 */
import type { z } from 'zod';
import { AdminError, adminErrors } from './errors.js';
import {
  appsResponseSchema,
  callResponseSchema,
  callsResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  reloadResponseSchema,
  zodMessage,
  type AppsResponse,
  type CallResponse,
  type CallsResponse,
  type HealthResponse,
  type ReloadResponse,
} from './api-schemas.js';

export interface AdminClientOptions {
  /** 'HOST:PORT' of the admin API. Default '127.0.0.1:8090'. */
  address?: string;
  /** Bearer token, when the server requires one. */
  token?: string;
  /** Per-request timeout, ms. Default 5000. */
  timeoutMs?: number;
}

/** 'HOST:PORT' (IPv6 as '[::1]:8090') → parts. Throws BAD_ADDRESS. */
export function parseAdminAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (!match || !host || !Number.isInteger(port) || port < 1 || port > 65535) throw adminErrors.badAddress(value);
  return { host, port };
}

export class AdminClient {
  readonly #base: string;
  readonly #target: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: AdminClientOptions = {}) {
    const { host, port } = parseAdminAddress(options.address ?? '127.0.0.1:8090');
    this.#target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.#base = `http://${this.#target}`;
    this.#token = options.token || undefined;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  get target(): string {
    return this.#target;
  }

  calls(filter: { app?: string; state?: string; ended?: boolean } = {}): Promise<CallsResponse> {
    const q = new URLSearchParams();
    if (filter.app) q.set('app', filter.app);
    if (filter.state) q.set('state', filter.state);
    if (filter.ended) q.set('ended', '1');
    const qs = q.toString();
    return this.#request('GET', `/calls${qs ? `?${qs}` : ''}`, callsResponseSchema);
  }

  call(id: string): Promise<CallResponse> {
    return this.#request('GET', `/calls/${encodeURIComponent(id)}`, callResponseSchema);
  }

  apps(): Promise<AppsResponse> {
    return this.#request('GET', '/apps', appsResponseSchema);
  }

  reload(app: string): Promise<ReloadResponse> {
    return this.#request('POST', `/apps/${encodeURIComponent(app)}/reload`, reloadResponseSchema, {});
  }

  health(): Promise<HealthResponse> {
    return this.#request('GET', '/health', healthResponseSchema);
  }

  async #request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.output<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw adminErrors.unreachable(this.#target, reasonOf(err));
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw adminErrors.badResponse(this.#target, `HTTP ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const parsed = errorResponseSchema.safeParse(json);
      if (parsed.success) throw new AdminError(parsed.data.error.code, parsed.data.error.message, res.status);
      throw adminErrors.badResponse(this.#target, `HTTP ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw adminErrors.badResponse(this.#target, zodMessage(parsed.error));
    return parsed.data;
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'no answer in time';
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return cause.code;
    if (cause?.message) return cause.message;
    return err.message;
  }
  return String(err);
}
