/**
 * The one source of truth for the `callees` table, its statements and the demo seed, for both backends.
 * Only the id column and where the index is declared differ between the dialects.
 */
export type SqlDialect = 'sqlite' | 'mysql';

/** Column limits, enforced by `validateRecord` for both backends (SQLite does not enforce VARCHAR lengths). */
export const LIMITS = { caller: 128, callee: 128, pin: 32 } as const;

const COLUMNS = [`caller VARCHAR(${LIMITS.caller}) NOT NULL`, `callee VARCHAR(${LIMITS.callee}) NOT NULL`, `pin VARCHAR(${LIMITS.pin}) NOT NULL`];

/** Statements that create the table and its index on `caller`; each is idempotent. */
export function schemaStatements(dialect: SqlDialect): string[] {
  if (dialect === 'sqlite') {
    return [
      `CREATE TABLE IF NOT EXISTS callees (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  ${COLUMNS.join(',\n  ')}\n)`,
      'CREATE INDEX IF NOT EXISTS callees_caller ON callees (caller)',
    ];
  }
  // utf8mb4_bin: any Unicode caller round-trips and matching is exact, as in SQLite.
  // (MySQL 8 has no CREATE INDEX IF NOT EXISTS, so the index is declared inline.)
  return [
    `CREATE TABLE IF NOT EXISTS callees (\n  id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  ${COLUMNS.join(',\n  ')},\n  INDEX callees_caller (caller)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  ];
}

/** The tutorial's demo rows. */
export const DEMO_ROWS: readonly { caller: string; callee: string; pin: string }[] = [
  { caller: '35', callee: 'john', pin: '12345' },
  { caller: '35', callee: 'anna', pin: '54321' },
];

/** Parameterised statements shared by both backends (`?` placeholders). Nothing is ever spliced into SQL. */
export const SQL = {
  calleesFor: 'SELECT id, caller, callee, pin FROM callees WHERE caller = ? ORDER BY id',
  listAll: 'SELECT id, caller, callee, pin FROM callees ORDER BY id',
  byId: 'SELECT id, caller, callee, pin FROM callees WHERE id = ?',
  pairExists: 'SELECT id FROM callees WHERE caller = ? AND callee = ? LIMIT 1',
  insert: 'INSERT INTO callees (caller, callee, pin) VALUES (?, ?, ?)',
  deleteById: 'DELETE FROM callees WHERE id = ?',
  deletePair: 'DELETE FROM callees WHERE caller = ? AND callee = ?',
  count: 'SELECT COUNT(*) AS n FROM callees',
  /** Health probe: fails if the table is missing, cheap on any size. */
  probe: 'SELECT id FROM callees LIMIT 1',
} as const;

/** The schema and seed as a plain SQL script (for a DBA, `npm run db -- sql --dialect mysql`). */
export function schemaScript(dialect: SqlDialect, withSeed: boolean): string {
  const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const lines = schemaStatements(dialect).map((s) => `${s};`);
  if (withSeed) {
    const values = DEMO_ROWS.map((r) => `(${quote(r.caller)}, ${quote(r.callee)}, ${quote(r.pin)})`).join(', ');
    lines.push(`INSERT INTO callees (caller, callee, pin) VALUES ${values};`);
  }
  return lines.join('\n') + '\n';
}
