/**
 * quizconnect's database lookups: one per DSM mysql.query, typed by the variables it reads and the columns it selects.
 * The flows run them as effects; openLookups() is the app's setup(): fill each in with a pool opened once (never a
 * connection per call, as mysql.connect() was).
 */
import type { FlowServices } from '@sipflow/runtime/flow';
import type { AppConfig } from './config.js';

export interface AppLookups {
  /** quizconnect_caller.dsm:25: `select callee, pin from callees where caller=?` (? = $query_key) */
  quizconnect_caller_25(params: { 'query_key': string }): Promise<Array<{ callee: string; pin: string }>>;
}

export type AppServices = FlowServices<AppConfig, AppLookups>;

export async function openLookups(config: AppConfig): Promise<AppLookups> {
  void config;
  return {
    // TODO(quizconnect_caller.dsm:25): run the query on the app's database and return its rows (a rejection sets $errno).
    quizconnect_caller_25: async () => {
      throw new Error('TODO(quizconnect_caller.dsm:25): mysql.query is not filled in');
    },
  };
}
