/**
 * Coded errors of the server layer (app loading, configuration, options). Callers branch on `err.code`.
 */
import type { AppLoadError } from '../app/errors.js';

export type ServerErrorCode =
  /** No workspace package under apps/<name>. */
  | 'APP_NOT_FOUND'
  /** Importing the app's entry threw (syntax error, missing import, throwing top-level code). */
  | 'APP_LOAD_FAILED'
  /** The module loaded but does not export an app made with defineApp(). */
  | 'APP_INVALID'
  /** The app's config did not validate. */
  | 'CONFIG_INVALID'
  /** A command-line option is malformed. */
  | 'BAD_OPTION'
  /** The app's setup() hook threw. */
  | 'APP_SETUP_FAILED'
  /** Two apps claim the same name, or reload of an app that is not loaded. */
  | 'APP_CONFLICT';

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
  }
}

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const serverErrors = {
  /** The app loader's error (APP_NOT_FOUND, APP_LOAD_FAILED, APP_INVALID), as the server's. */
  appLoad: (err: AppLoadError) =>
    new ServerError(err.code === 'NO_FLOWS' ? 'APP_INVALID' : err.code === 'FLOW_ID_TAKEN' ? 'APP_CONFLICT' : err.code, err.message, { cause: err }),
  appLoadFailed: (name: string, cause: unknown) => new ServerError('APP_LOAD_FAILED', `app '${name}' failed to load: ${msg(cause)}`, { cause }),
  configInvalid: (app: string, problems: string[]) =>
    new ServerError('CONFIG_INVALID', `invalid config for app '${app}':\n  ${problems.join('\n  ')}`),
  badOption: (option: string, why: string) => new ServerError('BAD_OPTION', `${option}: ${why}`),
  setupFailed: (app: string, cause: unknown) => new ServerError('APP_SETUP_FAILED', `app '${app}' setup() failed: ${msg(cause)}`, { cause }),
  conflict: (why: string) => new ServerError('APP_CONFLICT', why),
};
