/**
 * Load an app's flows for review, through the app loader the server uses (same apps folder, same entry), reading
 * the flows leniently: a module that is not a full `defineApp()` app yet still reviews.
 */
import type { AnyStateMachine } from 'xstate';
import { configSchemaOf, flowsOf, importApp } from '../app/app-loader.js';

export interface LoadedAppFlows {
  name: string;
  dir: string;
  /** The module file imported. */
  entry: string;
  /** Flow name → machine. */
  flows: Record<string, AnyStateMachine>;
  /** The app's config schema (`defineApp({ config })`), when it has one. */
  configSchema?: { parse(value: unknown): unknown };
}

/** Throws AppLoadError: APP_NOT_FOUND, APP_LOAD_FAILED, NO_FLOWS. `appsDir` default: the repository's apps/. */
export async function loadAppFlows(name: string, appsDir?: string): Promise<LoadedAppFlows> {
  const app = await importApp(name, appsDir === undefined ? {} : { appsDir });
  const configSchema = configSchemaOf(app);
  return { name, dir: app.dir, entry: app.entry, flows: flowsOf(app), ...(configSchema ? { configSchema } : {}) };
}
