/**
 * `setup()` for flows: XState's `setup()` (same arguments, same machine) whose `createMachine` also refuses, at
 * the line where it is written, every name the flow does not declare:
 * - an event key in `on` that is not an event of the flow (also in a state that handles other events);
 * - an `after` delay that is neither a number nor a delay of `setup({ delays })`;
 * - a target that names no state: a sibling ('END'), a path into one ('CONNECTED.talking'), a child ('.END'),
 *   an id ('#caller.END', the path after the id is checked too).
 * XState itself already refuses unknown `invoke` sources, guard and action names (strings) once the config is
 * written inline: that is why the config is no longer wrapped in `flowConfig()` (which hides XState's checks).
 *
 * @example
 * import { setup } from '@sipflow/runtime/flow';
 * export const ivr = setup({ types: { events: {} as CallEvent } }).createMachine({ id: 'ivr', initial: 'START', states: { ... } });
 */
import type { PromptAction } from './actions.js';
import { withPrompts } from './flow-prompts.js';
import {
  setup as xstateSetup,
  type AnyStateMachine,
  type ActionFunction,
  type AnyActorRef,
  type AnyEventObject,
  type Cast,
  type DelayConfig,
  type EventObject,
  type GuardPredicate,
  type Invert,
  type IsNever,
  type MachineConfig,
  type MachineContext,
  type MetaObject,
  type NonReducibleUnknown,
  type ParameterizedObject,
  type RoutableStateId,
  type SetupReturn,
  type SetupTypes,
  type StateMachine,
  type StateSchema,
  type ToChildren,
  type ToStateValue,
  type UnknownActorLogic,
  type Values,
} from 'xstate';

type ParamsMap = Record<string, ParameterizedObject['params'] | undefined>;
type ToParameterizedObject<TMap extends ParamsMap> = Values<{ [K in keyof TMap as K & string]: { type: K & string; params: TMap[K] } }>;
type ToProvidedActor<TChildrenMap extends Record<string, string>, TActors extends Record<string, UnknownActorLogic>> = Values<{
  [K in keyof TActors as K & string]: {
    src: K & string;
    logic: TActors[K];
    id: IsNever<TChildrenMap> extends true
      ? string | undefined
      : K extends keyof Invert<TChildrenMap>
        ? Invert<TChildrenMap>[K] & string
        : string | undefined;
  };
}>;
type ToStateSchema<TSchema extends StateSchema> = {
  -readonly [K in keyof TSchema as K & ('id' | 'states')]: K extends 'states'
    ? { [SK in keyof TSchema['states']]: ToStateSchema<NonNullable<TSchema['states'][SK]>> }
    : TSchema[K];
};
type ExtractInvokeEntry<T> = T extends { id: infer TId extends string; src: infer TSrc extends string } ? { [K in TId]: TSrc } : {};
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type ExtractInvokeChildren<T> = T extends readonly (infer E)[] ? UnionToIntersection<ExtractInvokeEntry<E>> : ExtractInvokeEntry<T>;
type ExtractConfigChildren<TConfig> = TConfig extends { invoke: infer TInvoke } ? ExtractInvokeChildren<TInvoke> : {};
type MergeChildrenMap<TExplicit extends Record<string, string>, TInferred extends Record<string, string>> =
  IsNever<keyof TExplicit> extends true ? TInferred : TExplicit;

// ---- the name checks ------------------------------------------------------------------------------------------

type Keys<O> = O extends object ? keyof O & string : never;
/** Event keys a state may use: the flow's event types, '*', 'prefix.*' wildcards, XState's own events. */
type EventKey<TEvent extends EventObject> = TEvent['type'] | '*' | WildcardsOf<TEvent['type']> | `xstate.${string}`;
type WildcardsOf<T extends string> = T extends `${infer Head}.${infer Rest}` ? `${Head}.*` | `${Head}.${WildcardsOf<Rest>}` : never;
/** Dotted paths of the states below a state config ('A', 'A.talking', ...). */
type PathsBelow<S, Depth extends unknown[] = []> = Depth['length'] extends 6
  ? never
  : S extends { states: infer St }
    ? { [K in Keys<St>]: K | `${K}.${PathsBelow<St[K], [...Depth, unknown]>}` }[Keys<St>]
    : never;
/** `#id` targets: the id alone or followed by a path below that state. */
type IdTargets<S, Depth extends unknown[] = []> = Depth['length'] extends 6
  ? never
  : | (S extends { id: infer I extends string } ? `#${I}` | `#${I}.${PathsBelow<S>}` : never)
    | (S extends { states: infer St } ? { [K in Keys<St>]: IdTargets<St[K], [...Depth, unknown]> }[Keys<St>] : never);

interface Scope {
  /** Valid targets from the state being checked. */
  targets: string;
  events: string;
  delays: string;
  /** The app's prompt names (`setup({ prompts })`), `string` when the flow declares none. */
  prompts: string;
}

/** An error type that names the bad name (an object, so that intersecting it with the written string is no `never`). */
type NameError<Message extends string> = { [K in Message]: true };
type NoStateNamed<T extends string> = NameError<`no state named '${T}'`>;
type NotAnEventOfThisFlow<K extends string> = NameError<`'${K}' is not an event of this flow`>;
type NoDelayNamed<K extends string> = NameError<`no delay named '${K}'`>;
type NoPromptNamed<P extends string> = NameError<`no prompt named '${P}' in setup({ prompts })`>;
/** A `play('name')` action with its literal name checked against the prompts; any other action as written. */
type CheckAction<A, TPrompt extends string> = A extends PromptAction<infer P> ? (string extends P ? A : P extends TPrompt ? A : NoPromptNamed<P>) : A;
type CheckActions<A, TPrompt extends string> = A extends readonly unknown[]
  ? { [I in keyof A]: CheckAction<A[I], TPrompt> }
  : CheckAction<A, TPrompt>;
type CheckTarget<T, Valid extends string> = T extends string ? (T extends Valid ? T : NoStateNamed<T>) : T;
type CheckTargets<T, Valid extends string> = T extends readonly unknown[] ? { [I in keyof T]: CheckTargets<T[I], Valid> } : CheckTarget<T, Valid>;
/** One transition (a target string, a transition object or an array of them) with its targets and prompts checked. */
type CheckTransition<T, Sc extends Scope> = T extends string
  ? CheckTarget<T, Sc['targets']>
  : T extends readonly unknown[]
    ? { [I in keyof T]: CheckTransition<T[I], Sc> }
    : Omit<T, 'target' | 'actions'> &
        (T extends { target: infer X } ? { target: CheckTargets<X, Sc['targets']> } : unknown) &
        (T extends { actions: infer A } ? { actions: CheckActions<A, Sc['prompts']> } : unknown);

type CheckOn<O, Sc extends Scope> = {
  [K in keyof O]: K extends Sc['events'] ? CheckTransition<O[K], Sc> : NotAnEventOfThisFlow<K & string>;
};
type CheckAfter<A, Sc extends Scope> = {
  [K in keyof A]: K extends number | `${number}` | Sc['delays'] ? CheckTransition<A[K], Sc> : NoDelayNamed<K & string>;
};
type CheckInvoke<I, Sc extends Scope> = I extends readonly unknown[]
  ? { [N in keyof I]: CheckInvoke<I[N], Sc> }
  : (I extends { onDone: infer D } ? { onDone: CheckTransition<D, Sc> } : unknown) &
      (I extends { onError: infer E } ? { onError: CheckTransition<E, Sc> } : unknown) &
      Omit<I, 'onDone' | 'onError'>;

type CheckStateWith<S, Sc extends Scope, Ids extends string, TEvent extends EventObject, TDelay extends string, Depth extends unknown[]> = Omit<
  S,
  'on' | 'after' | 'always' | 'invoke' | 'states' | 'entry' | 'exit'
> &
  (S extends { entry: infer A } ? { entry: CheckActions<A, Sc['prompts']> } : unknown) &
  (S extends { exit: infer A } ? { exit: CheckActions<A, Sc['prompts']> } : unknown) &
  (S extends { on: infer O } ? { on: CheckOn<O, Sc> } : unknown) &
  (S extends { after: infer A } ? { after: CheckAfter<A, Sc> } : unknown) &
  (S extends { always: infer A } ? { always: CheckTransition<A, Sc> } : unknown) &
  (S extends { invoke: infer I } ? { invoke: CheckInvoke<I, Sc> } : unknown) &
  (S extends { states: infer St } ? { states: CheckStates<St, Ids, TEvent, TDelay, Sc['prompts'], Depth> } : unknown);

type CheckStates<
  St,
  Ids extends string,
  TEvent extends EventObject,
  TDelay extends string,
  TPrompt extends string,
  Depth extends unknown[],
> = Depth['length'] extends 8
  ? St
  : {
      [K in keyof St]: CheckStateWith<
        St[K],
        {
          targets: Keys<St> | SiblingPaths<St> | `.${PathsBelow<St[K]>}` | Ids;
          events: EventKey<TEvent>;
          delays: TDelay;
          prompts: TPrompt;
        },
        Ids,
        TEvent,
        TDelay,
        [...Depth, unknown]
      >;
    };
type SiblingPaths<St> = { [K in Keys<St>]: `${K}.${PathsBelow<St[K]>}` }[Keys<St>];

/** The machine config with every name it uses checked against the flow's events, delays and states. */
export type CheckedFlowConfig<TConfig, TEvent extends EventObject, TDelay extends string, TPrompt extends string = string> = CheckStateWith<
  TConfig,
  { targets: `.${PathsBelow<TConfig>}` | IdTargets<TConfig>; events: EventKey<TEvent>; delays: TDelay; prompts: TPrompt },
  IdTargets<TConfig>,
  TEvent,
  TDelay,
  []
>;

// ---- setup --------------------------------------------------------------------------------------------------------

type FlowMachine<
  TContext extends MachineContext,
  TEvent extends AnyEventObject,
  TActors extends Record<string, UnknownActorLogic>,
  TActions extends ParamsMap,
  TGuards extends ParamsMap,
  TDelay extends string,
  TTag extends string,
  TInput,
  TOutput extends NonReducibleUnknown,
  TEmitted extends EventObject,
  TStateMeta extends MetaObject,
  TTransitionMeta extends MetaObject,
  TConfig extends StateSchema,
  TResolvedChildren extends Record<string, string>,
> = StateMachine<
  TContext,
  TEvent | ([RoutableStateId<TConfig>] extends [never] ? never : { type: 'xstate.route'; to: RoutableStateId<TConfig> }),
  Cast<ToChildren<ToProvidedActor<TResolvedChildren, TActors>>, Record<string, AnyActorRef | undefined>>,
  ToProvidedActor<TResolvedChildren, TActors>,
  ToParameterizedObject<TActions>,
  ToParameterizedObject<TGuards>,
  TDelay,
  ToStateValue<TConfig>,
  TTag,
  TInput,
  TOutput,
  TEmitted,
  TStateMeta,
  ToStateSchema<TConfig>,
  TTransitionMeta
>;

/** XState's setup result; `createMachine` checks names (see the file comment). */
export type FlowSetup<
  TContext extends MachineContext,
  TEvent extends AnyEventObject,
  TActors extends Record<string, UnknownActorLogic>,
  TChildrenMap extends Record<string, string>,
  TActions extends ParamsMap,
  TGuards extends ParamsMap,
  TDelay extends string,
  TTag extends string,
  TInput,
  TOutput extends NonReducibleUnknown,
  TEmitted extends EventObject,
  TStateMeta extends MetaObject,
  TTransitionMeta extends MetaObject,
  TPrompt extends string = string,
> = Omit<
  SetupReturn<TContext, TEvent, TActors, TChildrenMap, TActions, TGuards, TDelay, TTag, TInput, TOutput, TEmitted, TStateMeta, TTransitionMeta>,
  'createMachine'
> & {
  createMachine: <
    const TConfig extends MachineConfig<
      TContext,
      TEvent,
      ToProvidedActor<TChildrenMap, TActors>,
      ToParameterizedObject<TActions>,
      ToParameterizedObject<TGuards>,
      TDelay,
      TTag,
      TInput,
      TOutput,
      TEmitted,
      TStateMeta,
      TTransitionMeta
    >,
    TResolvedChildren extends Record<string, string> = MergeChildrenMap<TChildrenMap, Cast<ExtractConfigChildren<TConfig>, Record<string, string>>>,
  >(
    config: TConfig & CheckedFlowConfig<TConfig, TEvent, TDelay, TPrompt>,
  ) => FlowMachine<
    TContext,
    TEvent,
    TActors,
    TActions,
    TGuards,
    TDelay,
    TTag,
    TInput,
    TOutput,
    TEmitted,
    TStateMeta,
    TTransitionMeta,
    TConfig,
    TResolvedChildren
  >;
};

export function setup<
  TContext extends MachineContext,
  TEvent extends AnyEventObject,
  TActors extends Record<string, UnknownActorLogic> = {},
  TChildrenMap extends Record<string, string> = {},
  TActions extends ParamsMap = {},
  TGuards extends ParamsMap = {},
  TDelay extends string = never,
  TTag extends string = string,
  TInput = NonReducibleUnknown,
  TOutput extends NonReducibleUnknown = NonReducibleUnknown,
  TEmitted extends EventObject = EventObject,
  TStateMeta extends MetaObject = MetaObject,
  TTransitionMeta extends MetaObject = TStateMeta,
  const TPrompt extends string = string,
>(
  implementations: {
    schemas?: unknown;
    /** The app's prompt file names: a literal `play('name')` in the machine must be one of them (checked at its line). */
    prompts?: readonly TPrompt[];
    types?: SetupTypes<TContext, TEvent, TChildrenMap, TTag, TInput, TOutput, TEmitted, TStateMeta, TTransitionMeta>;
    actors?: { [K in keyof TActors | Values<TChildrenMap>]: K extends keyof TActors ? TActors[K] : never };
    actions?: {
      [K in keyof TActions]: ActionFunction<
        TContext,
        TEvent,
        TEvent,
        TActions[K],
        ToProvidedActor<TChildrenMap, TActors>,
        ToParameterizedObject<TActions>,
        ToParameterizedObject<TGuards>,
        TDelay,
        TEmitted
      >;
    };
    guards?: { [K in keyof TGuards]: GuardPredicate<TContext, TEvent, TGuards[K], ToParameterizedObject<TGuards>> };
    delays?: { [K in TDelay]: DelayConfig<TContext, TEvent, ToParameterizedObject<TActions>['params'], TEvent> };
  } & { [K in IsNever<keyof TChildrenMap> extends true ? never : 'actors']: unknown },
): FlowSetup<
  TContext,
  TEvent,
  TActors,
  TChildrenMap,
  TActions,
  TGuards,
  TDelay,
  TTag,
  TInput,
  TOutput,
  TEmitted,
  TStateMeta,
  TTransitionMeta,
  TPrompt
> {
  const { prompts, ...forXState } = implementations;
  const created = xstateSetup(forXState as never) as { createMachine(config: unknown): AnyStateMachine };
  if (!prompts) return created as never;
  return { ...created, createMachine: (config: unknown) => withPrompts(created.createMachine(config), prompts) } as never;
}
