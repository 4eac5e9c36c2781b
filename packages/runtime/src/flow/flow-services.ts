/**
 * What the runtime hands to an app's effects (its own file so that the binding, port-binding.ts, and the effect
 * helper, services.ts, both depend on it without depending on each other).
 */
import type { Logger } from 'pino';

export interface FlowServices<TConfig = unknown, TResources = unknown> {
  /** The app's name. */
  app: string;
  /** A child logger of this call. */
  log: Logger;
  config: TConfig;
  /** Whatever the app's `setup(services)` returned. */
  resources: TResources;
}
