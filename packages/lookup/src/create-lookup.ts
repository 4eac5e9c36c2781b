import { parseDbUrl, redactDbUrl } from './db-url.js';
import type { CalleeLookup, LookupOptions } from './lookup-types.js';
import { MysqlLookup } from './mysql-lookup.js';
import { SqliteLookup } from './sqlite-lookup.js';

/**
 * The lookup for a db_url: `sqlite:PATH` or `mysql://user:pwd@host[:port]/db`.
 * Throws LOOKUP_BAD_URL at once for anything else (a start-up error); nothing is connected until `open()`.
 *
 * @example
 * const lookup = createLookup(config.db_url, { logger });
 * await lookup.open();
 */
export function createLookup(dbUrl: string, options: LookupOptions = {}): CalleeLookup {
  const target = parseDbUrl(dbUrl);
  const shown = redactDbUrl(dbUrl.trim());
  return target.kind === 'sqlite' ? new SqliteLookup(target.path, shown, options) : new MysqlLookup(target, shown, options);
}
