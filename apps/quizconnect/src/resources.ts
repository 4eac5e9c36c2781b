/**
 * What quizconnect holds for its lifetime: the callee lookup (a pool for MySQL, a worker for SQLite — never a
 * connection per call, the tutorial's `mysql.connect()` per call exhausted MariaDB). Opened by the app's setup();
 * if MySQL is down at start-up the server still starts, calls get 500 until the database is back.
 */
import { createLookup, ensureSeeded, type CalleeLookup, type CalleeRow } from '@sipflow/lookup';
import type { Logger } from 'pino';
import { DEFAULT_DB_URL, type QuizConfig } from './config.js';

export interface QuizResources {
  /** The callees of the dialled user, in table order. Rejects with a LookupError (LOOKUP_CONNECT / LOOKUP_QUERY). */
  calleesFor(user: string): Promise<CalleeRow[]>;
  /** The lookup itself (for health and admin). */
  readonly lookup: CalleeLookup;
  close(): Promise<void>;
}

export async function openResources(config: QuizConfig, log: Logger): Promise<QuizResources> {
  const lookup = createLookup(config.db_url, { logger: log.child({ component: 'lookup' }) });
  let opening: Promise<void> | undefined;
  let open = false;
  const ensureOpen = async (): Promise<void> => {
    if (open) return;
    opening ??= lookup.open().then(
      () => {
        open = true;
      },
      (err: unknown) => {
        opening = undefined; // try again with the next call
        throw err;
      },
    );
    await opening;
  };

  try {
    await ensureOpen();
    if (config.db_url === DEFAULT_DB_URL) {
      const inserted = await ensureSeeded(lookup);
      if (inserted > 0) log.info({ db: lookup.target, inserted }, 'quizconnect: created the demo database (35 → john 12345, anna 54321)');
    }
  } catch (err) {
    if (lookup.backend === 'sqlite') {
      await lookup.close().catch(() => undefined);
      throw err; // a local file we cannot open is a start-up error
    }
    log.warn({ db: lookup.target, err }, 'quizconnect: database unreachable at start-up; calls get 500 until it is back');
  }

  return {
    lookup,
    async calleesFor(user) {
      await ensureOpen();
      return lookup.calleesFor(user);
    },
    async close() {
      await lookup.close();
    },
  };
}
