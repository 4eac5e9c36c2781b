export { createLookup } from './create-lookup.js';
export { ensureSeeded } from './ensure-seeded.js';
export { parseDbUrl, redactDbUrl } from './db-url.js';
export type { DbTarget } from './db-url.js';
export { LookupError, isLookupError, lookupErrors, LOOKUP_ERROR_CODES } from './errors.js';
export type { LookupErrorCode } from './errors.js';
export { DEMO_ROWS, LIMITS, SQL, schemaScript, schemaStatements } from './schema.js';
export type { SqlDialect } from './schema.js';
export type { CalleeLookup, CalleeRecord, CalleeRow, LookupBackend, LookupHealth, LookupLogger, LookupOptions } from './lookup-types.js';
