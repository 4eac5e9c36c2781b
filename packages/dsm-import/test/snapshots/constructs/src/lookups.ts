/**
 * constructs's database lookups: one per DSM mysql.query, typed by the variables it reads and the columns it selects.
 * The flows run them as effects; openLookups() is the app's setup(): fill each in with a pool opened once (never a
 * connection per call, as mysql.connect() was).
 */
import type { FlowServices } from '@sipflow/runtime/flow';
import type { AppConfig } from './config.js';

export interface AppLookups {
  /** constructs_b.dsm:10: `select name, greeting from operators where ltag=?` (? = $from_ltag) */
  constructs_b_10(params: { 'from_ltag': string }): Promise<Array<{ name: string; greeting: string }>>;
}

export type AppServices = FlowServices<AppConfig, AppLookups>;

export async function openLookups(config: AppConfig): Promise<AppLookups> {
  void config;
  return {
    // TODO(constructs_b.dsm:10): run the query on the app's database and return its rows (a rejection sets $errno).
    constructs_b_10: async () => {
      throw new Error('TODO(constructs_b.dsm:10): mysql.query is not filled in');
    },
  };
}
