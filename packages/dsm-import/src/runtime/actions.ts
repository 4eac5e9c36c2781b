/**
 * Building blocks only imported flows need: DSM variable writes, repost(), throw(), log(), dlg.dialout and
 * unsupported(). A flow file binds them to its context and events once:
 *
 * @example
 * const { setVars, repost, dsmLog } = dsmActions<DsmContext<AppConfig>, AppEvents>();
 */
import { assign, enqueueActions, raise, type ActionArgs, type ActionFunction, type AnyStateMachine, type EventObject } from 'xstate';
import { dial, leg, servicesOf } from '@sipflow/runtime/flow';
import type { DsmContext } from './values.js';

/** An action usable in any imported flow's machine config (the helpers are typed by their arguments instead). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an action that fits every machine's action slots
export type DsmActionFunction = ActionFunction<any, any, any, any, any, any, any, any, any>;

/** The event a DSM throw() raises; only exception transitions take it (as they take `error`). */
export interface DsmExceptionEvent {
  type: 'dsm.exception';
  params: Record<string, string>;
}

/** A diagram another leg can be dialled into (DSM `b_leg_app`). */
export type DsmDiagrams = Record<string, () => AnyStateMachine>;

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any app config
export function dsmActions<TContext extends DsmContext<any>, TEvent extends EventObject>() {
  type Args = ActionArgs<TContext, TEvent, TEvent>;
  type Enqueue = Args & { enqueue: (a: unknown) => void };
  const as = (a: unknown): DsmActionFunction => a as DsmActionFunction;

  return {
    /**
     * Write DSM variables: `fn` returns the variables to set (strings; `undefined` clears one). The variables live in
     * context, so a later action of the same list sees the value.
     */
    setVars: (fn: (args: Args) => Record<string, string | undefined>): DsmActionFunction =>
      as(
        assign((args: Args) => {
          const vars = { ...args.context.vars };
          for (const [k, val] of Object.entries(fn(args))) {
            if (val === undefined) delete vars[k];
            else vars[k] = val;
          }
          return { vars } as never;
        }),
      ),

    /** clearStruct($x) / clearArray($x): every variable named `x.*` / `x[*`. */
    clearVars: (prefix: string, kind: 'struct' | 'array'): DsmActionFunction => {
      const start = kind === 'struct' ? `${prefix}.` : `${prefix}[`;
      return as(
        assign((args: Args) => ({ vars: Object.fromEntries(Object.entries(args.context.vars).filter(([k]) => !k.startsWith(start))) }) as never),
      );
    },

    /** DSM repost(): the event that caused this transition is processed again, in the state reached (internal queue first). */
    repost: (): DsmActionFunction => as(raise((args: Args) => args.event as never)),

    /**
     * repost() after an effect (a mysql.query): the event that started the effect is gone, so a `dsm.continue`
     * event stands in for it (no parameters); test() transitions take it like any DSM event.
     */
    repostAfterEffect: (): DsmActionFunction => as(raise({ type: 'dsm.continue' } as never)),

    /** In an effect's onDone: the query's rows (DSM mysql.query): $db.rows is the count, $db.result[i].column each value; $errno cleared. */
    storeRows: (): DsmActionFunction =>
      as(
        assign((args: Args) => {
          const vars = Object.fromEntries(Object.entries(args.context.vars).filter(([k]) => !k.startsWith('db.result[')));
          const output = (args.event as unknown as { output?: unknown }).output;
          const list = Array.isArray(output) ? (output as Array<Record<string, unknown>>) : [];
          for (const [i, row] of list.entries()) for (const [col, val] of Object.entries(row)) vars[`db.result[${i}].${col}`] = String(val ?? '');
          vars['db.rows'] = String(list.length);
          delete vars['errno'];
          return { vars } as never;
        }),
      ),

    /** In an effect's onError: a failed query: $errno is the error's code (or message), $db.rows '0' (DSM does not throw here). */
    queryFailed: (): DsmActionFunction =>
      as(
        assign((args: Args) => {
          const err = (args.event as unknown as { error?: { code?: unknown; message?: unknown } }).error;
          const errno = typeof err?.code === 'string' ? err.code : String(err?.message ?? err ?? 'error');
          return { vars: { ...args.context.vars, errno, 'db.rows': '0', 'db.error': String(err?.message ?? '') } } as never;
        }),
      ),

    /** DSM mysql.getResult(i): row i's columns into $column variables. */
    getResult: (index: (args: Args) => string): DsmActionFunction =>
      as(
        assign((args: Args) => {
          const prefix = `db.result[${index(args)}].`;
          const vars = { ...args.context.vars };
          for (const [k, val] of Object.entries(args.context.vars)) if (k.startsWith(prefix)) vars[k.slice(prefix.length)] = val;
          return { vars } as never;
        }),
      ),

    /** An effect starts: DSM events that come until endEffect() wait (see DsmContext.busy). */
    beginEffect: (): DsmActionFunction => as(assign({ busy: true, deferred: [] } as never)),

    /** While busy: keep the event for after the effect. */
    defer: (): DsmActionFunction => as(assign((args: Args) => ({ deferred: [...args.context.deferred, args.event] }) as never)),

    /** The effect is over (done, failed, or the state was left): the deferred events are processed, in order. */
    endEffect: (): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue) => {
          const waiting = args.context.deferred;
          if (!args.context.busy && waiting.length === 0) return;
          args.enqueue(assign({ busy: false, deferred: [] } as never));
          for (const ev of waiting) args.enqueue(raise(ev as never));
        }) as never),
      ),

    /** DSM throw(type, a=b;c=d): raises a `dsm.exception` with #type and the parameters. */
    throwException: (params: (args: Args) => Record<string, string>): DsmActionFunction =>
      as(raise((args: Args) => ({ type: 'dsm.exception', params: params(args) }) as never)),

    /** DSM throwOnError(): a `dsm.exception` (#type = $errno) when $errno is set. */
    throwOnError: (): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue) => {
          const errno = args.context.vars['errno'];
          if (errno) args.enqueue(raise({ type: 'dsm.exception', params: { type: errno } } as never));
        }) as never),
      ),

    /** DSM log(level, text): level 0 error, 1 warn, 2 info, 3+ debug, on the call's logger. */
    dsmLog: (level: number, message: (args: Args) => string): DsmActionFunction => {
      const action = (args: Args): void => {
        const log = servicesOf(args.system)?.log;
        if (!log) return;
        log[LEVELS[Math.min(Math.max(level, 0), 3)]!]({ vars: args.context.vars, event: args.event.type }, message(args));
      };
      Object.defineProperty(action, 'name', { value: 'dsm.log' });
      return as(action);
    },

    /**
     * DSM dlg.dialout(prefix): a call from `$prefix_caller` to `sip:$prefix_callee@$prefix_domain` running the
     * diagram `$prefix_app`, with every `$prefix_var.NAME` as the new leg's $NAME; its id lands in `$prefix_ltag`.
     * An unknown diagram raises a `dsm.exception` of #type 'dialout'.
     */
    dialout: (prefix: string, diagrams: DsmDiagrams): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue) => {
          const vars = args.context.vars;
          const get = (k: string): string => vars[`${prefix}_${k}`] ?? '';
          const flow = diagrams[get('app')];
          if (!flow) {
            args.enqueue(raise({ type: 'dsm.exception', params: { type: 'dialout', app: get('app') } } as never));
            return;
          }
          const passed: Record<string, string> = {};
          for (const [k, val] of Object.entries(vars)) if (k.startsWith(`${prefix}_var.`)) passed[k.slice(prefix.length + 5)] = val;
          const l = leg(flow(), {
            to: `sip:${get('callee')}@${get('domain')}`,
            ...(get('caller') ? { from: { user: get('caller') } } : {}),
            ...(get('auth_user') ? { credentials: { username: get('auth_user'), password: get('auth_pwd') } } : {}),
            input: { vars: passed } as never,
          });
          args.enqueue(assign({ vars: { ...vars, [`${prefix}_ltag`]: l.id } } as never));
          args.enqueue(dial(l));
        }) as never),
      ),
  };
}

/**
 * A DSM action sipflow has no building block for. Run, it only logs a warning; the flow review reports it by name
 * (rule `unsupported-action`), so nothing is dropped silently.
 *
 * @example
 * unsupported('mod_sys.mkdir', 'ivr.dsm:12')
 */
export function unsupported(action: string, where: string): DsmActionFunction {
  const fn = (args: { system: unknown }): void => {
    servicesOf(args.system as never)?.log.warn({ action, where }, `DSM action ${action} (${where}) is not supported: it did nothing`);
  };
  Object.defineProperty(fn, 'name', { value: `sipflow.unsupported:${action}@${where}` });
  return fn as DsmActionFunction;
}
