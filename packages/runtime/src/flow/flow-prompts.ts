/**
 * The prompts a flow declared with `setup({ prompts })`, kept on its machine (a registered symbol, so a second copy
 * of this module still reads it), for the tools that check the files exist. The compiler already checks every
 * literal `play()` of the flow against them.
 */
import type { AnyStateMachine } from 'xstate';

const key = Symbol.for('sipflow.prompts');

/** Record the prompts of a machine (called by sipflow's `setup`). */
export function withPrompts<T extends AnyStateMachine>(machine: T, prompts: readonly string[]): T {
  Object.defineProperty(machine, key, { value: Object.freeze([...prompts]), enumerable: false });
  return machine;
}

/** The prompts a flow declared in `setup({ prompts })`, or undefined when it declared none. */
export function declaredPrompts(machine: AnyStateMachine): readonly string[] | undefined {
  return (machine as unknown as Record<symbol, readonly string[] | undefined>)[key];
}
