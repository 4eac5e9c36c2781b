/**
 * The runtime's services handed to app effects (invoked promise actors): logger, config, and what the app's
 * `setup()` hook returned (e.g. a DB pool).
 */
import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { FlowServices } from './flow-services.js';
import { servicesOf } from './port-binding.js';
import { FlowError } from './errors.js';

export interface EffectArgs<TInput, TServices extends FlowServices<unknown, unknown>> {
  input: TInput;
  services: TServices;
  /** Aborted when the flow leaves the state that invoked the effect (or the call ends). */
  signal: AbortSignal;
}

/** The guard argument an `onError` transition gets (XState's error event of the invoked actor). */
interface ErrorGuardArgs {
  event: { type: string; error?: unknown };
}

declare const servicesMark: unique symbol;
/** Type-only mark of the services an effect reads (so that `testFlow()` types `resources` from the flow's effects). */
export interface EffectServicesMark<TServices> {
  readonly [servicesMark]: TServices;
}

/** An effect's actor logic, with the error codes it declares and a typed guard over them. */
export type Effect<TOutput, TInput, TCode extends string = never, TServices = FlowServices> = PromiseActorLogic<TOutput, TInput> &
  EffectServicesMark<TServices> & {
    /** The error codes the effect declares (the review injects each one at `onError`). */
    readonly errors: readonly TCode[];
    /** Guard for `onError`: the effect failed with `code` (a code the effect does not declare does not compile). */
    failedWith(code: TCode): (args: ErrorGuardArgs) => boolean;
    /** The code of the error at `onError`, typed: one of the declared codes, or 'EFFECT_FAILED'. */
    codeOf(error: unknown): TCode | 'EFFECT_FAILED';
  };

/**
 * An app's own async effect as a typed promise actor, with the runtime's services in scope. Use it in `setup({
 * actors })` and `invoke` it with `onDone` / `onError`. What the effect throws reaches `onError` as `event.error`
 * unchanged: throw coded errors and declare their codes in `errors`, then guard with `failedWith('CODE')` (typed:
 * a misspelt code does not compile) and read the code with `codeOf(event.error)`.
 *
 * @example
 * const lookup = effect(async ({ input, services }: EffectArgs<{ user: string }, QcServices>) =>
 *   services.resources.calleesFor(input.user), { errors: ['LOOKUP_CONNECT', 'LOOKUP_QUERY'] });
 * // onError: [{ guard: lookup.failedWith('LOOKUP_QUERY'), ... }, { ... }]
 */
export function effect<TOutput, TInput = void, TServices extends FlowServices<unknown, unknown> = FlowServices, const TCode extends string = never>(
  run: (args: EffectArgs<TInput, TServices>) => Promise<TOutput>,
  options: { errors?: readonly TCode[] } = {},
): Effect<TOutput, TInput, TCode, TServices> {
  const logic = fromPromise<TOutput, TInput>(async ({ input, system, signal }) => {
    const services = servicesOf(system);
    if (!services) throw new FlowError('NO_PORT', 'effect run outside the runtime and testFlow(): no services bound');
    return run({ input, services: services as TServices, signal });
  });
  const errors = options.errors ?? [];
  const codeOf = (error: unknown): TCode | 'EFFECT_FAILED' => {
    const code = errorCode(error);
    return (errors as readonly string[]).includes(code) ? (code as TCode) : 'EFFECT_FAILED';
  };
  return Object.assign(logic as typeof logic & EffectServicesMark<TServices>, {
    errors,
    codeOf,
    failedWith: (code: TCode) => (args: ErrorGuardArgs) => errorCode(args.event.error) === code,
  });
}

/** The `code` of a thrown error (FlowError, LookupError, ...), 'EFFECT_FAILED' when it has none. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : 'EFFECT_FAILED';
}
