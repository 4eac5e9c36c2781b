/**
 * What an app is: a workspace package under apps/<name> whose entry exports `defineApp({...})` (default export or
 * an export named `app`).
 */
import type { Logger } from 'pino';
import type { AnyStateMachine } from 'xstate';
import type { z } from 'zod';

/** Which flow takes an inbound call, by the user part of its Request-URI. First match wins. */
export interface InboundRoute {
  /** Exact user, a RegExp, or omitted for "any". */
  user?: string | RegExp;
  /** Name of a flow of this app. */
  flow: string;
}

export interface AppSetupServices<TConfig> {
  app: string;
  config: TConfig;
  log: Logger;
  /** The app's folder (apps/<name>). */
  dir: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a schema of any object config
type AnyConfigSchema = z.ZodType<any, any>;

export interface AppDefinition<TSchema extends AnyConfigSchema = AnyConfigSchema, TResources = unknown> {
  /** The app's name (defaults to its folder name when loaded; must match it if given). */
  name: string;
  /** The app's flows by name; each machine's `id` must equal its name (the registry and leg refs use it). */
  flows: Record<string, AnyStateMachine>;
  /**
   * Inbound routing: a flow name (every inbound call), or routes by R-URI user, first match wins. With several
   * apps in one server, the first app whose routes match takes the call.
   */
  inbound: string | InboundRoute[];
  /** zod schema of the app's configuration; every default stated in `.describe()`. */
  config: TSchema;
  /**
   * Where prompts are: a folder (absolute, or relative to the app's folder), or a function of the config
   * (e.g. `(c) => c.prompt_path`). Default 'prompts'.
   */
  prompts?: string | ((config: z.output<TSchema>) => string);
  /** Open what the flows need for the app's lifetime (a DB pool); effects see it as `services.resources`. */
  setup?: (services: AppSetupServices<z.output<TSchema>>) => TResources | Promise<TResources>;
  /** Lines printed by `npm run app` once serving: how to call this app (e.g. the demo numbers). Default none. */
  usage?: (info: { config: z.output<TSchema>; sip: { host: string; port: number } }) => string;
  /** Release what setup() opened; called when the server stops, or when a reloaded version's last call ended. */
  close?: (resources: TResources) => void | Promise<void>;
}

export const APP_MARK = Symbol.for('sipflow.app');

/**
 * Define an app. The entry of apps/<name> exports the result (default export or `export const app`).
 *
 * @example
 * export default defineApp({
 *   name: 'echo', flows: { echo: echoFlow }, inbound: 'echo',
 *   config: z.object({ greeting: z.string().default('hello.wav').describe('Prompt played first. Default hello.wav.') }),
 * });
 */
export function defineApp<TSchema extends AnyConfigSchema, TResources = undefined>(
  definition: AppDefinition<TSchema, TResources>,
): AppDefinition<TSchema, TResources> {
  for (const [name, machine] of Object.entries(definition.flows)) {
    if (machine.id !== name) {
      throw new Error(`app '${definition.name}': flow '${name}' must have id '${name}' (createMachine({ id: '${name}', ... })), not '${machine.id}'`);
    }
  }
  const routes = typeof definition.inbound === 'string' ? [{ flow: definition.inbound }] : definition.inbound;
  for (const r of routes) {
    if (!definition.flows[r.flow]) throw new Error(`app '${definition.name}': inbound route names unknown flow '${r.flow}'`);
  }
  return Object.assign(definition, { [APP_MARK]: true });
}

export function isAppDefinition(value: unknown): value is AppDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[APP_MARK] === true;
}

/** The flow an inbound call to `user` goes to, if this app takes it. */
export function routeInbound(app: AppDefinition, user: string): string | undefined {
  const routes = typeof app.inbound === 'string' ? [{ flow: app.inbound }] : app.inbound;
  for (const r of routes) {
    if (r.user === undefined) return r.flow;
    if (typeof r.user === 'string' ? r.user === user : r.user.test(user)) return r.flow;
  }
  return undefined;
}
