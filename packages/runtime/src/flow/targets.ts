/**
 * Compile-time check of transition targets. XState types a target as any string, so a misspelt state name is found
 * only when the machine runs; wrapping the machine config in `flowConfig()` makes it a compile error.
 *
 * Checked: `on`, `always`, `after`, `invoke.onDone/onError` targets of every state. Valid: a sibling state ('END'),
 * a path into a sibling ('CONNECTED.talking'), a child ('.END'), an id ('#caller.END', not checked further).
 *
 * @example
 * export const callerFlow = setup({ ... }).createMachine(flowConfig({ id: 'caller', initial: 'START', states: { ... } }));
 */

type StringsOf<X> = X extends string ? X : X extends readonly (infer Y)[] ? StringsOf<Y> : never;
type TargetsOf<T> = T extends string ? T : T extends readonly (infer U)[] ? TargetsOf<U> : T extends { target?: infer X } ? StringsOf<X> : never;
type InvokeTargets<I> = I extends readonly (infer U)[]
  ? InvokeTargets<U>
  : (I extends { onDone: infer D } ? TargetsOf<D> : never) | (I extends { onError: infer E } ? TargetsOf<E> : never);
type ValuesOf<O> = O extends object ? O[keyof O] : never;
type TransitionTargets<S> =
  | (S extends { on: infer O } ? TargetsOf<ValuesOf<O>> : never)
  | (S extends { always: infer A } ? TargetsOf<A> : never)
  | (S extends { after: infer A } ? TargetsOf<ValuesOf<A>> : never)
  | (S extends { invoke: infer I } ? InvokeTargets<I> : never);
type ChildKeys<S> = S extends { states: infer St } ? keyof St & string : never;
type ValidTargets<S, Siblings extends string> = Siblings | `${Siblings}.${string}` | `.${ChildKeys<S>}` | `.${ChildKeys<S>}.${string}` | `#${string}`;

/** The targets in a machine config that name no state. */
export type InvalidTargets<S, Siblings extends string = never> =
  | Exclude<TransitionTargets<S>, ValidTargets<S, Siblings>>
  | (S extends { states: infer St } ? { [K in keyof St]: InvalidTargets<St[K], keyof St & string> }[keyof St] : never);

type TargetCheck<C> = [InvalidTargets<C>] extends [never] ? unknown : { [K in `no state named '${InvalidTargets<C> & string}'`]: never };

/** Returns the machine config unchanged; refuses to compile when a transition targets a state that does not exist. */
export function flowConfig<const C>(config: C & TargetCheck<C>): C {
  return config;
}
