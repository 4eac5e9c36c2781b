/**
 * A flow action that writes to the call's logger (the tutorial's `log(level, ...)` / `logParams`). Outside the
 * runtime and testFlow() there is no logger bound; then it does nothing.
 */
import type { ActionArgs, EventObject, MachineContext } from 'xstate';
import { servicesOf } from '@sipflow/runtime/flow';

type Level = 'info' | 'warn' | 'error';

export function logEvent<TContext extends MachineContext, TExpressionEvent extends EventObject, TEvent extends EventObject>(
  level: Level,
  message: (args: ActionArgs<TContext, TExpressionEvent, TEvent>) => { msg: string } & Record<string, unknown>,
): (args: ActionArgs<TContext, TExpressionEvent, TEvent>) => void {
  const action = (args: ActionArgs<TContext, TExpressionEvent, TEvent>): void => {
    const log = servicesOf(args.system)?.log;
    if (!log) return;
    const { msg, ...fields } = message(args);
    log[level](fields, msg);
  };
  Object.defineProperty(action, 'name', { value: `quizconnect.log.${level}` });
  return action;
}
