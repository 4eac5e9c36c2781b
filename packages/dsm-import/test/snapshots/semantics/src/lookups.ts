/**
 * semantics's database lookups: one per DSM mysql.query, typed by the variables it reads and the columns it selects.
 * The flows run them as effects; openLookups() is the app's setup(): fill each in with a pool opened once (never a
 * connection per call, as mysql.connect() was).
 */
import type { FlowServices } from '@sipflow/runtime/flow';
import type { AppConfig } from './config.js';

export interface AppLookups {
  /** semantics.dsm:70: `select name from t where k=?` (? = $k) */
  semantics_70(params: { 'k': string }): Promise<Array<{ name: string }>>;
}

export type AppServices = FlowServices<AppConfig, AppLookups>;

export async function openLookups(config: AppConfig): Promise<AppLookups> {
  void config;
  return {
    // TODO(semantics.dsm:70): run the query on the app's database and return its rows (a rejection sets $errno).
    semantics_70: async () => {
      throw new Error('TODO(semantics.dsm:70): mysql.query is not filled in');
    },
  };
}
