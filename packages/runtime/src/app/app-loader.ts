/**
 * The one way to find and import an app: the server (with live reload), the review and the DSM importer use it, so
 * an app that reviews is an app that runs. An app is a workspace package under <apps>/<name>; its entry is the
 * package's `exports['.']` (or `main`), else src/index.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { isAppDefinition, type AppDefinition } from './app-definition.js';
import { appLoadErrors } from './errors.js';
import { importFresh } from './module-loader.js';

/** The repository's apps/ folder (this file is packages/runtime/{src,dist}/app/app-loader.{ts,js}). */
export const DEFAULT_APPS_DIR = fileURLToPath(new URL('../../../../apps', import.meta.url));

/** Running compiled (npm start: this file is JavaScript): an app's `sipflow-compiled` export (its dist/), else its source. */
const COMPILED = !import.meta.url.endsWith('.ts');

/** An app name is a folder name: letters, digits, '.', '_', '-', not starting with a separator. */
const APP_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** The apps folder: `appsDir` resolved against the working directory, else the repository's apps/. */
export function appsDirOf(appsDir?: string): string {
  return appsDir === undefined ? DEFAULT_APPS_DIR : resolve(appsDir);
}

/** Names of the folders under `appsDir` that are packages (have a package.json). */
export function availableApps(appsDir?: string): string[] {
  const dir = appsDirOf(appsDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => d.name)
    .sort();
}

/** The app's entry file (absolute), from package.json `exports` (a string, or conditions) or `main`, else src/index.ts. */
export function appEntry(dir: string): string {
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath)) return resolve(dir, 'src/index.ts');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: unknown; main?: string };
  const exp = pkg.exports;
  const dot = typeof exp === 'object' && exp !== null && !Array.isArray(exp) && '.' in exp ? (exp as Record<string, unknown>)['.'] : exp;
  if (typeof dot === 'string') return resolve(dir, dot);
  if (typeof dot === 'object' && dot !== null) {
    const conditions = dot as Record<string, unknown>;
    const pick = (COMPILED ? conditions['sipflow-compiled'] : undefined) ?? conditions['import'] ?? conditions['default'];
    if (typeof pick === 'string') return resolve(dir, pick);
  }
  return resolve(dir, pkg.main ?? 'src/index.ts');
}

export interface ImportedApp {
  name: string;
  /** The app's folder (absolute). */
  dir: string;
  /** The module file imported (absolute). */
  entry: string;
  /** The entry's exports. */
  module: Record<string, unknown>;
}

export interface ImportAppOptions {
  /** Folder holding the apps. Default: the repository's apps/. */
  appsDir?: string;
  /**
   * Import a fresh copy of the app's own files (live reload: packages stay shared). Default false: a plain import,
   * cached by Node like any module.
   */
  fresh?: boolean;
}

/** Find apps/<name> and import its entry. Throws AppLoadError (APP_NOT_FOUND, APP_LOAD_FAILED). */
export async function importApp(name: string, options: ImportAppOptions = {}): Promise<ImportedApp> {
  const appsDir = appsDirOf(options.appsDir);
  const dir = join(appsDir, name);
  if (!APP_NAME.test(name) || !existsSync(join(dir, 'package.json'))) throw appLoadErrors.notFound(name, appsDir, availableApps(appsDir));
  let entry: string;
  let module: Record<string, unknown>;
  try {
    entry = appEntry(dir);
  } catch (err) {
    throw appLoadErrors.loadFailed(name, err);
  }
  try {
    module = options.fresh ? await importFresh(entry, dir) : ((await import(pathToFileURL(entry).href)) as Record<string, unknown>);
  } catch (err) {
    throw appLoadErrors.loadFailed(name, err);
  }
  return { name, dir, entry, module };
}

/** The app's definition (`export default defineApp({...})` or `export const app = defineApp(...)`). Throws APP_INVALID. */
export function appDefinitionOf(app: ImportedApp): AppDefinition {
  const definition = app.module.default ?? app.module.app;
  if (!isAppDefinition(definition)) {
    throw appLoadErrors.invalid(app.name, 'its entry must `export default defineApp({...})` (or `export const app = defineApp(...)`)');
  }
  if (definition.name !== app.name) {
    throw appLoadErrors.invalid(app.name, `defineApp({ name: '${definition.name}' }) does not match its folder apps/${app.name}`);
  }
  return definition;
}

/** Duck-typed: an XState machine (imported through another copy of xstate, instanceof would fail). */
export function isMachine(value: unknown): value is AnyStateMachine {
  const v = value as { root?: { path?: unknown }; transition?: unknown; id?: unknown } | null;
  return !!v && typeof v === 'object' && typeof v.transition === 'function' && typeof v.id === 'string' && Array.isArray(v.root?.path);
}

function machinesIn(record: unknown): Record<string, AnyStateMachine> {
  const out: Record<string, AnyStateMachine> = {};
  if (record && typeof record === 'object') {
    for (const [name, value] of Object.entries(record)) {
      if (isMachine(value)) out[name] = value;
      // A flow entry may wrap its machine: { machine } / { logic }.
      else if (value && typeof value === 'object') {
        const inner = (value as { machine?: unknown; logic?: unknown }).machine ?? (value as { logic?: unknown }).logic;
        if (isMachine(inner)) out[name] = inner;
      }
    }
  }
  return out;
}

/**
 * The app's flows, read leniently (the review also reads modules that are not full apps yet): `flows` of the default
 * export or of an `app` export (the `defineApp({...})` object), else a `flows` export, else every exported machine
 * under its export name. Throws NO_FLOWS when there is none.
 */
export function flowsOf(app: ImportedApp): Record<string, AnyStateMachine> {
  const mod = app.module;
  const candidates = [(mod.default as { flows?: unknown } | undefined)?.flows, (mod.app as { flows?: unknown } | undefined)?.flows, mod.flows];
  for (const c of candidates) {
    const flows = machinesIn(c);
    if (Object.keys(flows).length) return flows;
  }
  const flows = machinesIn(mod);
  if (!Object.keys(flows).length) throw appLoadErrors.noFlows(app.name, app.entry);
  return flows;
}

/** The app's config schema (`defineApp({ config })`), when it exports one. */
export function configSchemaOf(app: ImportedApp): { parse(value: unknown): unknown } | undefined {
  const schema = ((app.module.default ?? app.module.app) as { config?: { parse?: unknown } } | undefined)?.config;
  return typeof schema?.parse === 'function' ? (schema as { parse(value: unknown): unknown }) : undefined;
}
