/**
 * Coded errors of loading an app (the server, the review and the DSM importer share them). Callers branch on `code`.
 */

export type AppLoadErrorCode =
  /** No workspace package under <apps>/<name> (or the name is not a folder name). */
  | 'APP_NOT_FOUND'
  /** Importing the app's entry threw (syntax error, missing import, throwing top-level code). */
  | 'APP_LOAD_FAILED'
  /** The module loaded but does not export an app made with defineApp(), or its name differs from its folder. */
  | 'APP_INVALID'
  /** The module exports no flow machine at all (the review's lenient reading found nothing). */
  | 'NO_FLOWS'
  /** A flow's machine id is the id of a flow of another app (ids are unique across apps). */
  | 'FLOW_ID_TAKEN';

export class AppLoadError extends Error {
  override readonly name = 'AppLoadError';
  constructor(
    readonly code: AppLoadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const appLoadErrors = {
  notFound: (name: string, dir: string, known: string[]) =>
    new AppLoadError('APP_NOT_FOUND', `no app '${name}' in ${dir}${known.length ? ` (apps: ${known.join(', ')})` : ''}`),
  loadFailed: (name: string, cause: unknown) => new AppLoadError('APP_LOAD_FAILED', `app '${name}' failed to load: ${msg(cause)}`, { cause }),
  invalid: (name: string, why: string) => new AppLoadError('APP_INVALID', `app '${name}' is not a sipflow app: ${why}`),
  noFlows: (name: string, entry: string) => new AppLoadError('NO_FLOWS', `app '${name}' (${entry}) exports no flows`),
  flowIdTaken: (name: string, flow: string, id: string, other: string) =>
    new AppLoadError(
      'FLOW_ID_TAKEN',
      `app '${name}': flow '${flow}' has the id '${id}', which app '${other}' already uses; flow ids are unique across apps ` +
        `(the registry, logs and review pages name a flow by its id): rename it, e.g. createMachine({ id: '${name.replace(/-/g, '_')}_${id}' })`,
    ),
};
