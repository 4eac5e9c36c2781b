/**
 * Load an app's flows for review: import `apps/<name>` (its package entry) and find its machines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';

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

export class ReviewLoadError extends Error {
  override readonly name = 'ReviewLoadError';
  constructor(
    readonly code: 'APP_NOT_FOUND' | 'APP_LOAD_FAILED' | 'NO_FLOWS',
    message: string,
  ) {
    super(message);
  }
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

/** The app's entry file: package.json `exports['.']` (or `main`), else src/index.ts. */
export function appEntry(dir: string): string {
  const pkgPath = join(dir, 'package.json');
  if (existsSync(pkgPath)) {
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: unknown; main?: string };
    const exp = pkg.exports;
    const dot = typeof exp === 'string' ? exp : exp && typeof exp === 'object' ? (exp as Record<string, unknown>)['.'] : undefined;
    const target = typeof dot === 'string' ? dot : (dot as { import?: string; default?: string } | undefined)?.import ?? pkg.main;
    if (typeof target === 'string') return resolve(dir, target);
  }
  return resolve(dir, 'src/index.ts');
}

/**
 * Flows are found, in order: in `flows` of the default export or of an `app` export (the `defineApp({...})`
 * object), else in a `flows` export, else every exported machine under its export name.
 */
export async function loadAppFlows(name: string, appsDir = 'apps'): Promise<LoadedAppFlows> {
  const dir = resolve(appsDir, name);
  if (!existsSync(dir)) throw new ReviewLoadError('APP_NOT_FOUND', `no app '${name}' in ${resolve(appsDir)}`);
  const entry = appEntry(dir);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ReviewLoadError('APP_LOAD_FAILED', `cannot load app '${name}' from ${entry}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const candidates = [
    (mod.default as { flows?: unknown } | undefined)?.flows,
    (mod.app as { flows?: unknown } | undefined)?.flows,
    mod.flows,
  ];
  let flows: Record<string, AnyStateMachine> = {};
  for (const c of candidates) {
    flows = machinesIn(c);
    if (Object.keys(flows).length) break;
  }
  if (!Object.keys(flows).length) flows = machinesIn(mod);
  if (!Object.keys(flows).length) throw new ReviewLoadError('NO_FLOWS', `app '${name}' (${entry}) exports no flows`);
  const schema = ((mod.default ?? mod.app) as { config?: { parse?: unknown } } | undefined)?.config;
  return { name, dir, entry, flows, ...(typeof schema?.parse === 'function' ? { configSchema: schema as { parse(value: unknown): unknown } } : {}) };
}
