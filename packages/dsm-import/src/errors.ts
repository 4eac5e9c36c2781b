/**
 * Every error the importer raises, coded in one place. Messages name the DSM file, line and column when there is one.
 */
export type DsmImportErrorCode =
  | 'DSM_SYNTAX'
  | 'DSM_FILE'
  | 'DSM_INCLUDE'
  | 'DSM_NO_INITIAL_STATE'
  | 'DSM_UNKNOWN_STATE'
  | 'DSM_DUPLICATE_STATE'
  | 'DSM_BAD_APP_NAME'
  | 'DSM_OUT_EXISTS'
  | 'DSM_DUPLICATE_DIAGRAM';

export class DsmImportError extends Error {
  override readonly name = 'DsmImportError';
  constructor(
    readonly code: DsmImportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const where = (file: string, at?: { line: number; column: number }): string => (at ? `${file}:${at.line}:${at.column}` : file);

export const dsmErrors = {
  syntax: (file: string, at: { line: number; column: number }, detail: string, excerpt: string) =>
    new DsmImportError('DSM_SYNTAX', `${where(file, at)}: syntax error: ${detail}\n${excerpt}`),
  file: (file: string, reason: string) => new DsmImportError('DSM_FILE', `${file}: cannot read: ${reason}`),
  include: (file: string, at: { line: number; column: number }, path: string, reason: string) =>
    new DsmImportError('DSM_INCLUDE', `${where(file, at)}: #include "${path}": ${reason}`),
  noInitialState: (file: string) => new DsmImportError('DSM_NO_INITIAL_STATE', `${file}: no 'initial state' declared`),
  unknownState: (file: string, at: { line: number; column: number }, state: string, transition: string) =>
    new DsmImportError('DSM_UNKNOWN_STATE', `${where(file, at)}: transition "${transition}" names state ${state}, which is not declared`),
  duplicateState: (file: string, at: { line: number; column: number }, state: string) =>
    new DsmImportError('DSM_DUPLICATE_STATE', `${where(file, at)}: state ${state} is declared twice`),
  badAppName: (name: string) =>
    new DsmImportError('DSM_BAD_APP_NAME', `--app '${name}': expected a folder name (letters, digits, '-', '_'), e.g. quizconnect-dsm`),
  outExists: (dir: string) => new DsmImportError('DSM_OUT_EXISTS', `${dir} already exists (remove it, or pass --force to replace it)`),
  duplicateDiagram: (name: string) => new DsmImportError('DSM_DUPLICATE_DIAGRAM', `two scripts define the diagram '${name}'`),
};
