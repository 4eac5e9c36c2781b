/**
 * The runtime's services handed to app effects (invoked promise actors): logger, config, and what the app's
 * `setup()` hook returned (e.g. a DB pool).
 */
import type { Logger } from 'pino';
import { fromPromise, type PromiseActorLogic } from 'xstate';
import { servicesOf } from './port-binding.js';
import { FlowError } from './errors.js';

export interface FlowServices<TConfig = unknown, TResources = unknown> {
  /** The app's name. */
  app: string;
  /** A child logger of this call. */
  log: Logger;
  config: TConfig;
  /** Whatever the app's `setup(services)` returned. */
  resources: TResources;
}

export interface EffectArgs<TInput, TServices extends FlowServices<unknown, unknown>> {
  input: TInput;
  services: TServices;
  /** Aborted when the flow leaves the state that invoked the effect (or the call ends). */
  signal: AbortSignal;
}

/**
 * An app's own async effect as a typed promise actor, with the runtime's services in scope. Use it in `setup({
 * actors })` and `invoke` it with `onDone` / `onError`. What the effect throws reaches `onError` as `event.error`
 * unchanged: throw coded errors; `errorCode(event.error)` reads the code ('EFFECT_FAILED' when there is none).
 *
 * @example
 * const lookup = effect(async ({ input, services }: EffectArgs<{ user: string }, QcServices>) =>
 *   services.resources.lookup.callees(input.user));
 */
export function effect<TOutput, TInput = void, TServices extends FlowServices<unknown, unknown> = FlowServices>(
  run: (args: EffectArgs<TInput, TServices>) => Promise<TOutput>,
): PromiseActorLogic<TOutput, TInput> {
  return fromPromise<TOutput, TInput>(async ({ input, system, signal }) => {
    const services = servicesOf(system);
    if (!services) throw new FlowError('NO_PORT', 'effect run outside the runtime and testFlow(): no services bound');
    return run({ input, services: services as TServices, signal });
  });
}

/** The `code` of a thrown error (FlowError, LookupError, ...), 'EFFECT_FAILED' when it has none. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : 'EFFECT_FAILED';
}
