import type { CalleeLookup } from './lookup-types.js';

/**
 * Creates the schema if missing and, only when the table is empty, inserts the demo rows.
 * For an app's embedded default database; resolves to the number of rows inserted (0 if any row existed).
 */
export async function ensureSeeded(lookup: CalleeLookup): Promise<number> {
  await lookup.initSchema();
  if ((await lookup.count()) > 0) return 0;
  return lookup.seedDemo();
}
