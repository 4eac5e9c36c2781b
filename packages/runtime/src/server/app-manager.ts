/**
 * Loads apps from apps/<name>, validates their config, runs their setup(), routes inbound calls, and reloads them
 * live: a reload imports the app's files afresh for NEW calls; calls in progress keep the version they started
 * on; a version that fails to load, validate or set up is refused and the old one keeps serving.
 */
import { watch, type FSWatcher } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { AnyStateMachine } from 'xstate';
import { routeInbound, type AppDefinition } from '../app/app-definition.js';
import { appDefinitionOf, appsDirOf, availableApps, importApp } from '../app/app-loader.js';
import { AppLoadError } from '../app/errors.js';
import { assertFlowIdsUnique } from '../app/flow-ids.js';
import { parseOutboundProxy } from '../sip/outbound-proxy.js';
import { coerceSetValue, configKeys, RUNTIME_APP_KEYS, validateConfig, type RawConfig } from './app-config.js';
import { ServerError, serverErrors } from './errors.js';

/** One loaded version of an app. */
export interface AppVersion {
  name: string;
  version: number;
  loadedAt: number;
  dir: string;
  definition: AppDefinition;
  config: unknown;
  resources: unknown;
  /** Absolute prompt folder. */
  promptDir: string;
  /** Legs running on this version. */
  calls: number;
  /** Replaced by a newer version: close it when its last call ends. */
  retired: boolean;
  /** The app's `outbound_proxy` config value: its legs go through this proxy instead of the server's. */
  outboundProxy?: string;
}

export interface AppConfigSources {
  /** Values from --config FILE: keys for every app, or a section per app name. Default {}. */
  file?: RawConfig;
  /** --set values, in order: 'key=value' for every app declaring the key, 'app.key=value' for one. Default []. */
  sets?: Array<{ app?: string; key: string; value: string }>;
}

export interface AppManagerOptions {
  /** Folder holding the apps. Default: <repo>/apps. */
  appsDir?: string;
  config?: AppConfigSources;
  logger: Logger;
}

export type AppReloadResult = { ok: true; version: number } | { ok: false; code: string; message: string };

export class AppManager {
  readonly appsDir: string;
  readonly #log: Logger;
  readonly #sources: AppConfigSources;
  readonly #current = new Map<string, AppVersion>();
  /** Every version still in use or current, per app, by version number (for diagrams of older calls). */
  readonly #versions = new Map<string, Map<number, AppVersion>>();
  readonly #order: string[] = [];
  readonly #watchers: FSWatcher[] = [];

  constructor(options: AppManagerOptions) {
    this.appsDir = appsDirOf(options.appsDir);
    this.#log = options.logger.child({ component: 'apps' });
    this.#sources = options.config ?? {};
  }

  /** Load every app (in order); throws the first failure (start-up must not serve half the apps silently). */
  async loadAll(names: string[]): Promise<void> {
    try {
      for (const name of names) {
        if (this.#current.has(name)) throw serverErrors.conflict(`app '${name}' given twice`);
        const v = await this.#load(name, 1);
        this.#install(v);
        this.#order.push(name);
      }
      this.#checkUnusedKeys(names);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Load the app's code again for new calls. Never throws: a refused version is reported and the old one stays. */
  async reload(name: string): Promise<AppReloadResult> {
    const old = this.#current.get(name);
    if (!old) return { ok: false, code: 'APP_NOT_FOUND', message: `app '${name}' is not loaded (loaded: ${this.names().join(', ')})` };
    try {
      const next = await this.#load(name, old.version + 1);
      this.#install(next);
      old.retired = true;
      await this.#maybeClose(old);
      this.#log.info({ app: name, version: next.version }, 'app reloaded; new calls use the new version');
      return { ok: true, version: next.version };
    } catch (err) {
      const e = err instanceof ServerError ? err : serverErrors.appLoadFailed(name, err);
      this.#log.error({ app: name, code: e.code, err: e.message }, 'reload refused; the previous version keeps serving');
      return { ok: false, code: e.code, message: e.message };
    }
  }

  names(): string[] {
    return [...this.#order];
  }

  current(name: string): AppVersion | undefined {
    return this.#current.get(name);
  }

  version(name: string, version?: number): AppVersion | undefined {
    return version === undefined ? this.#current.get(name) : this.#versions.get(name)?.get(version);
  }

  /** The flow machine of an app version (current when version is undefined). */
  flowMachine(app: string, flow: string, version?: number): AnyStateMachine | undefined {
    return this.version(app, version)?.definition.flows[flow];
  }

  /** The app version and flow that take an inbound call to `user`: first app (in load order) whose routes match. */
  route(user: string): { app: AppVersion; flow: string } | undefined {
    for (const name of this.#order) {
      const app = this.#current.get(name);
      if (!app) continue;
      const flow = routeInbound(app.definition, user);
      if (flow) return { app, flow };
    }
    return undefined;
  }

  /** A call starts on this version (it will not be closed before release). */
  acquire(v: AppVersion): void {
    v.calls += 1;
  }

  release(v: AppVersion): void {
    v.calls = Math.max(0, v.calls - 1);
    if (v.retired && v.calls === 0) void this.#maybeClose(v);
  }

  /** Reload on file changes under the app folders (debounced). */
  watch(onReload?: (name: string, result: AppReloadResult) => void): void {
    for (const name of this.#order) {
      const dir = join(this.appsDir, name);
      let timer: NodeJS.Timeout | undefined;
      const w = watch(dir, { recursive: true }, (_event, file) => {
        if (file && (String(file).includes('node_modules') || String(file).startsWith('.'))) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          void this.reload(name).then((r) => onReload?.(name, r));
        }, 200);
      });
      w.on('error', (err) => this.#log.warn({ app: name, err }, 'file watch failed'));
      this.#watchers.push(w);
    }
  }

  /** Close every version's resources (server stop). */
  async close(): Promise<void> {
    for (const w of this.#watchers) w.close();
    this.#watchers.length = 0;
    for (const versions of this.#versions.values()) {
      for (const v of versions.values()) {
        v.retired = true;
        v.calls = 0;
        await this.#maybeClose(v);
      }
    }
  }

  /** Names of the folders under appsDir that are packages. */
  available(): string[] {
    return availableApps(this.appsDir);
  }

  #install(v: AppVersion): void {
    this.#current.set(v.name, v);
    let versions = this.#versions.get(v.name);
    if (!versions) this.#versions.set(v.name, (versions = new Map()));
    versions.set(v.version, v);
  }

  async #maybeClose(v: AppVersion): Promise<void> {
    if (!v.retired || v.calls > 0) return;
    const versions = this.#versions.get(v.name);
    if (!versions?.has(v.version)) return;
    versions.delete(v.version);
    try {
      await v.definition.close?.(v.resources);
    } catch (err) {
      this.#log.warn({ app: v.name, version: v.version, err }, 'app close() threw');
    }
  }

  /** A --set or config-file key that no loaded app declares is a mistake worth stopping for. */
  #checkUnusedKeys(names: string[]): void {
    const declares = (app: string, key: string): boolean => {
      const def = this.#current.get(app)?.definition;
      const keys = def ? configKeys(def.config) : undefined;
      return keys === undefined || keys.includes(key) || isRuntimeKey(key);
    };
    // The keys each app declares, for the error: a typo is fixed by reading the list.
    const valid = (apps: string[]): string =>
      apps
        .map((a) => {
          const def = this.#current.get(a)?.definition;
          return `${a}: ${(def ? configKeys(def.config) : undefined)?.join(', ') || '(none)'}`;
        })
        .join('; ');
    for (const s of this.#sources.sets ?? []) {
      const perApp = s.app !== undefined && names.includes(s.app);
      const key = perApp || !s.app ? s.key : `${s.app}.${s.key}`;
      const targets = perApp ? [s.app as string] : names;
      if (!targets.some((a) => declares(a, key))) {
        throw serverErrors.badOption('--set', `no app (${targets.join(', ')}) has a config key '${key}'; valid keys: ${valid(targets)}`);
      }
    }
    for (const [k, v] of Object.entries(this.#sources.file ?? {})) {
      if (names.includes(k) && typeof v === 'object' && v !== null) continue;
      if (!names.some((a) => declares(a, k)))
        throw serverErrors.badOption('--config', `no app (${names.join(', ')}) has a config key '${k}'; valid keys: ${valid(names)}`);
    }
  }

  /** Import, validate and set up one version. Throws ServerError. */
  async #load(name: string, version: number): Promise<AppVersion> {
    let dir: string;
    let definition: AppDefinition;
    try {
      const imported = await importApp(name, { appsDir: this.appsDir, fresh: true });
      dir = imported.dir;
      definition = appDefinitionOf(imported);
      // Before its setup(): a flow id another loaded app uses is refused (reload included).
      assertFlowIdsUnique(
        { app: name, flows: definition.flows },
        [...this.#current.values()].map((v) => ({ app: v.name, flows: v.definition.flows })),
      );
    } catch (err) {
      throw err instanceof AppLoadError ? serverErrors.appLoad(err) : serverErrors.appLoadFailed(name, err);
    }

    const raw = this.#rawConfig(name, definition);
    const outboundProxy = this.#runtimeKeys(name, definition, raw);
    const config = validateConfig(name, definition.config, raw);
    const promptOpt = definition.prompts ?? 'prompts';
    const promptRaw = typeof promptOpt === 'function' ? promptOpt(config) : promptOpt;
    const promptDir = isAbsolute(promptRaw) ? promptRaw : join(dir, promptRaw);
    const log = this.#log.child({ app: name, version });
    let resources: unknown;
    try {
      resources = await definition.setup?.({ app: name, config, log, dir });
    } catch (err) {
      throw serverErrors.setupFailed(name, err);
    }
    return {
      name,
      version,
      loadedAt: Date.now(),
      dir,
      definition,
      config,
      resources,
      promptDir,
      calls: 0,
      retired: false,
      ...(outboundProxy !== undefined ? { outboundProxy } : {}),
    };
  }

  /**
   * Take the runtime's keys (RUNTIME_APP_KEYS) out of an app's raw config, unless the app declares them itself, and
   * check them; returns the app's outbound proxy.
   */
  #runtimeKeys(name: string, def: AppDefinition, raw: RawConfig): string | undefined {
    const value = raw['outbound_proxy'];
    if (!configKeys(def.config)?.includes('outbound_proxy')) delete raw['outbound_proxy'];
    if (value === undefined || value === '') return undefined;
    const proxy = typeof value === 'string' ? parseOutboundProxy(value) : `expected a string, got ${JSON.stringify(value)}`;
    if (typeof proxy === 'string') throw serverErrors.configInvalid(name, [`'outbound_proxy': ${proxy}`]);
    return (value as string).trim();
  }

  /** File values (shared keys, then the app's section), then --set values, coerced by the schema. */
  #rawConfig(name: string, def: AppDefinition): RawConfig {
    const keys = configKeys(def.config);
    const raw: RawConfig = {};
    const file = this.#sources.file ?? {};
    const appNames = new Set([...this.#order, name, ...this.available()]);
    for (const [k, v] of Object.entries(file)) {
      if (appNames.has(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) continue;
      if (!keys || keys.includes(k) || isRuntimeKey(k)) raw[k] = v;
    }
    const section = file[name];
    if (typeof section === 'object' && section !== null && !Array.isArray(section)) Object.assign(raw, section);
    for (const s of this.#sources.sets ?? []) {
      const forThis = s.app === name;
      const key = forThis ? s.key : s.app ? `${s.app}.${s.key}` : s.key;
      if (s.app && !forThis && appNames.has(s.app)) continue;
      if (!forThis && keys && !keys.includes(key) && !isRuntimeKey(key)) continue;
      raw[key] = coerceSetValue(def.config, key, s.value);
    }
    return raw;
  }
}

function isRuntimeKey(key: string): boolean {
  return (RUNTIME_APP_KEYS as readonly string[]).includes(key);
}
