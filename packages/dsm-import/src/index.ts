/**
 * @sipflow/dsm-import: SEMS DSM scripts → a typed sipflow app. The runtime helpers imported flows use are
 * `@sipflow/dsm-import/runtime`.
 */
export type { DsmScript, DsmItem, DsmState, DsmTransition, DsmCondition, DsmAction, DsmCall, DsmIf, DsmFor, DsmFunction, SourceAt } from './ast.js';
export { parseDsm, parseDsmFile } from './parse.js';
export { translateApp, type TranslatedApp, type TranslateOptions } from './translate/app.js';
export { importDsm, type ImportOptions, type ImportResult } from './import-app.js';
export { DsmImportError, dsmErrors, type DsmImportErrorCode } from './errors.js';
