/**
 * Coded errors of the admin layer (HTTP API, its client and CLI). Callers branch on `err.code`.
 * Over HTTP they travel as `{ error: { code, message } }` with `status`.
 */

export type AdminErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CALL_NOT_FOUND'
  | 'APP_NOT_FOUND'
  | 'FLOW_NOT_FOUND'
  | 'RELOAD_FAILED'
  | 'INTERNAL'
  | 'TOKEN_REQUIRED'
  | 'BAD_ADDRESS'
  | 'LISTEN_FAILED'
  | 'UNREACHABLE'
  | 'BAD_RESPONSE';

export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode | (string & {}),
    message: string,
    /** HTTP status this error is served with. */
    readonly status = 500,
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const adminErrors = {
  notFound: (method: string, path: string) => new AdminError('NOT_FOUND', `no route ${method} ${path}`, 404),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new AdminError('METHOD_NOT_ALLOWED', `${method} not allowed on ${path} (allowed: ${allowed.join(', ')})`, 405),
  badRequest: (message: string) => new AdminError('BAD_REQUEST', message, 400),
  unauthorized: () => new AdminError('UNAUTHORIZED', 'missing or wrong bearer token (Authorization: Bearer <token>)', 401),
  /** A browser request from another site (CSRF), or a Host that is not this server (DNS rebinding). */
  forbidden: (why: string) => new AdminError('FORBIDDEN', why, 403),
  callNotFound: (id: string) => new AdminError('CALL_NOT_FOUND', `no call '${id}' (active or kept after its end)`, 404),
  appNotFound: (name: string, known: string[]) => new AdminError('APP_NOT_FOUND', `no app '${name}' (loaded: ${known.join(', ') || 'none'})`, 404),
  flowNotFound: (app: string, flow: string) => new AdminError('FLOW_NOT_FOUND', `app '${app}' has no flow '${flow}'`, 404),
  /** The new version was refused; the old one keeps serving. `cause` is the server's code (e.g. CONFIG_INVALID). */
  reloadFailed: (app: string, cause: string, message: string) =>
    new AdminError('RELOAD_FAILED', `reload of '${app}' refused (${cause}): ${message}; the previous version keeps serving`, 422),
  internal: (message: string) => new AdminError('INTERNAL', message, 500),
  /** startAdminServer on a non-loopback address without a token. */
  tokenRequired: (host: string) =>
    new AdminError(
      'TOKEN_REQUIRED',
      `admin API bound to non-loopback address ${host} needs a bearer token; set one (e.g. --admin-token) or bind to 127.0.0.1`,
    ),
  listenFailed: (host: string, port: number, reason: string) =>
    new AdminError('LISTEN_FAILED', `admin API cannot listen on ${host}:${port}: ${reason}`),
  badAddress: (value: string) => new AdminError('BAD_ADDRESS', `bad admin address '${value}', expected HOST:PORT (e.g. 127.0.0.1:8090)`),
  /** Client side: nothing answers at the admin address. */
  unreachable: (target: string, reason: string) =>
    new AdminError('UNREACHABLE', `cannot reach the sipflow admin API at ${target} (${reason}); is the server running with --admin ${target}?`),
  badResponse: (target: string, detail: string) => new AdminError('BAD_RESPONSE', `unexpected answer from ${target}: ${detail}`),
};
