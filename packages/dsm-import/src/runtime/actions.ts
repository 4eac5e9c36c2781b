/**
 * Building blocks only imported flows need: DSM variable writes, repost(), throw(), log(), dlg.dialout and
 * unsupported(). A flow file binds them to its context and events once:
 *
 * @example
 * const { setVars, repost, dsmLog } = dsmActions<DsmContext<AppConfig>, AppEvents>();
 */
import { assign, enqueueActions, raise, type ActionArgs, type ActionFunction, type AnyStateMachine, type EventObject } from 'xstate';
import { dial, hangupLeg, join, leg, servicesOf } from '@sipflow/runtime/flow';
import type { DsmContext } from './values.js';

/** An action usable in any imported flow's machine config (the helpers are typed by their arguments instead). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an action that fits every machine's action slots
export type DsmActionFunction = ActionFunction<any, any, any, any, any, any, any, any, any>;

/** The event a DSM throw() raises; only exception transitions take it (as they take `error`). */
export interface DsmExceptionEvent {
  type: 'dsm.exception';
  params: Record<string, string>;
}

/** The event a DSM timer raises when it fires (setTimer(id, seconds)); `timer(#id == 1)` takes it. */
export interface DsmTimerEvent {
  type: 'dsm.timer';
  params: { id: string };
}

/**
 * jumpFSM/callFSM/returnFSM in a state's enter actions: the flow's root takes this event and switches diagrams (in a
 * transition's actions the importer targets the diagram directly).
 */
export interface DsmFsmEvent {
  type: 'dsm.fsm';
  params: { kind: 'jump' | 'call' | 'return'; to: string; site: string };
}

/** What a DSM `for` loop walks over: `range(from, to)`, the array `$name[0..]` or the struct `$name.*`. */
export type DsmLoop =
  | { kind: 'range'; counter: string; from: string; to: string }
  | { kind: 'array'; counter: string; array: string }
  | { kind: 'struct'; key: string; value: string; struct: string };

/** The variable values each pass of a loop sets, in order (SEMS's order: range up or down, array index, struct by name). */
export function loopPasses(loop: DsmLoop, vars: Record<string, string>): Array<Record<string, string>> {
  if (loop.kind === 'range') {
    const from = Number.parseInt(loop.from, 10);
    const to = Number.parseInt(loop.to, 10);
    if (Number.isNaN(from) || Number.isNaN(to)) return [];
    const step = to >= from ? 1 : -1;
    const passes: Array<Record<string, string>> = [];
    for (let i = from; i !== to; i += step) passes.push({ [loop.counter]: String(i) });
    return passes;
  }
  if (loop.kind === 'array') {
    const passes: Array<Record<string, string>> = [];
    for (let i = 0; vars[`${loop.array}[${i}]`] !== undefined; i++) passes.push({ [loop.counter]: vars[`${loop.array}[${i}]`]! });
    return passes;
  }
  const prefix = `${loop.struct}.`;
  return Object.keys(vars)
    .filter((k) => k.startsWith(prefix))
    .sort()
    .map((k) => ({ [loop.key]: k.slice(prefix.length), [loop.value]: vars[k]! }));
}

/** SEMS's $errno for an argument an action cannot read (DSM_ERRNO_UNKNOWN_ARG). */
const ERRNO_UNKNOWN_ARG = '2';
const TIMER_PREFIX = 'dsm.timer.';
/** Where B2B.addHeader keeps the B leg's extra headers: variables b2b_hdr.<Name>. */
const B2B_HEADER = 'b2b_hdr.';

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
     * The same list of actions in several transitions of a flow, written once (the importer names each list DSM repeats:
     * a transition with several `from` states, or one that fires on any event). Each action is typed by the flow's
     * context and events, as it would be written inline in a transition.
     */
    sharedActions: (
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- inline actions take any params (none)
      ...list: Array<ActionFunction<TContext, TEvent, TEvent, any, never, never, never, never, never>>
    ): DsmActionFunction[] => list as DsmActionFunction[],

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

    /**
     * DSM `for (…) { … }`: each pass sets the loop's variables, then runs the body; break() skips the rest of the loop.
     * The passes are worked out when the loop starts (as SEMS does); afterwards the loop variables get back the values
     * they had before it (unset when they had none).
     */
    forLoop: (loop: (args: Args) => DsmLoop, body: DsmActionFunction[]): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue) => {
          const spec = loop(args);
          const names = spec.kind === 'struct' ? [spec.key, spec.value] : [spec.counter];
          const saved = Object.fromEntries(names.map((n) => [n, args.context.vars[n]]));
          const unlessBroken = (action: unknown): unknown =>
            enqueueActions(((inner: Enqueue) => {
              if (!inner.context.broken) inner.enqueue(action);
            }) as never);
          const setLoopVars = (values: Record<string, string | undefined>): unknown =>
            assign((a: Args) => {
              const vars = { ...a.context.vars };
              for (const [k, val] of Object.entries(values)) {
                if (val === undefined) delete vars[k];
                else vars[k] = val;
              }
              return { vars } as never;
            });
          for (const pass of loopPasses(spec, args.context.vars)) {
            args.enqueue(unlessBroken(setLoopVars(pass)));
            for (const action of body) args.enqueue(unlessBroken(action));
          }
          args.enqueue(setLoopVars(saved));
          args.enqueue(assign({ broken: false } as never));
        }) as never),
      ),

    /** DSM break() in a for loop: the rest of the innermost loop is skipped. */
    breakLoop: (): DsmActionFunction => as(assign({ broken: true } as never)),

    /**
     * DSM setTimer(id, seconds): a `dsm.timer` event with #id after that many seconds, whatever state the flow is in
     * then (a timer of the same id is replaced). An id or timeout that is not a whole number sets $errno to 2 and sets
     * no timer, as in SEMS; otherwise $errno is cleared.
     */
    setTimer: (id: (args: Args) => string, seconds: (args: Args) => string): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue & { enqueue: { raise: (e: unknown, o: unknown) => void; cancel: (id: string) => void } }) => {
          const timer = id(args).trim();
          const secs = seconds(args).trim();
          if (!/^\d+$/.test(timer) || !/^\d+$/.test(secs)) {
            args.enqueue(assign({ vars: { ...args.context.vars, errno: ERRNO_UNKNOWN_ARG } } as never));
            return;
          }
          const { errno: _cleared, ...vars } = args.context.vars;
          void _cleared;
          args.enqueue.cancel(`${TIMER_PREFIX}${timer}`);
          args.enqueue.raise({ type: 'dsm.timer', params: { id: timer } }, { id: `${TIMER_PREFIX}${timer}`, delay: Number(secs) * 1000 });
          args.enqueue(assign({ vars, timers: [...(args.context.timers ?? []).filter((t) => t !== timer), timer] } as never));
        }) as never),
      ),

    /** DSM removeTimer(id): the timer does not fire (nothing happens when it is not set). */
    removeTimer: (id: (args: Args) => string): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue & { enqueue: { cancel: (id: string) => void } }) => {
          const timer = id(args).trim();
          if (!/^\d+$/.test(timer)) {
            args.enqueue(assign({ vars: { ...args.context.vars, errno: ERRNO_UNKNOWN_ARG } } as never));
            return;
          }
          args.enqueue.cancel(`${TIMER_PREFIX}${timer}`);
          const { errno: _cleared, ...vars } = args.context.vars;
          void _cleared;
          args.enqueue(assign({ vars, timers: (args.context.timers ?? []).filter((t) => t !== timer) } as never));
        }) as never),
      ),

    /** DSM removeTimers(): none of the flow's timers fires. */
    removeTimers: (): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue & { enqueue: { cancel: (id: string) => void } }) => {
          for (const timer of args.context.timers ?? []) args.enqueue.cancel(`${TIMER_PREFIX}${timer}`);
          const { errno: _cleared, ...vars } = args.context.vars;
          void _cleared;
          args.enqueue(assign({ vars, timers: [] } as never));
        }) as never),
      ),

    /** callFSM: remember the call site (its state, and the actions after the call) for returnFSM. */
    pushReturn: (site: string): DsmActionFunction => as(assign((args: Args) => ({ stack: [...(args.context.stack ?? []), site] }) as never)),

    /** returnFSM: forget the call site returned to; its state is entered without its enter actions (skipOnReturn). */
    popReturn: (): DsmActionFunction => as(assign((args: Args) => ({ stack: (args.context.stack ?? []).slice(0, -1), returning: true }) as never)),

    /** The enter actions of a state a callFSM was made from: skipped when returnFSM comes back to it. */
    skipOnReturn: (entry: DsmActionFunction[]): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue) => {
          if (args.context.returning) {
            args.enqueue(assign({ returning: false } as never));
            return;
          }
          for (const action of entry) args.enqueue(action);
        }) as never),
      ),

    /** jumpFSM/callFSM/returnFSM in enter actions: handed to the flow's root (DsmFsmEvent). */
    switchFsm: (kind: DsmFsmEvent['params']['kind'], to: string, site: string): DsmActionFunction =>
      as(raise({ type: 'dsm.fsm', params: { kind, to, site } } as never)),

    /**
     * DSM B2B.connectCallee(remote_party, remote_uri): a second leg to remote_uri (To the same URI, From
     * $b2b_local_party, digest $b2b_auth_user/$b2b_auth_pwd, the B2B.addHeader headers) running the app's B-leg
     * flow, which joins this leg's room when it answers; this leg joins it now (SEMS relays the media). Its id lands in
     * $b2b_other_ltag (for B2B.terminateOtherLeg); B2B.otherReply / B2B.otherBye are its leg.* events.
     */
    b2bConnect: (party: (args: Args) => string, uri: (args: Args) => string, calleeFlow: () => AnyStateMachine): DsmActionFunction =>
      as(
        enqueueActions(((args: Enqueue) => {
          const vars = args.context.vars;
          const headers: Record<string, string> = {};
          for (const [k, val] of Object.entries(vars)) if (k.startsWith(B2B_HEADER)) headers[k.slice(B2B_HEADER.length)] = val;
          // remote_party (SEMS's To) is not sent: the To header is the R-URI's (headers are added verbatim).
          void party;
          const from = /^(?:"?([^"<]*)"?\s*)?<?sip:([^@>;]+)@([^>;]+)>?/.exec(vars['b2b_local_party'] ?? '');
          const room = args.context.self.id;
          const l = leg(calleeFlow(), {
            to: uri(args).trim(),
            ...(from ? { from: { user: from[2]!, host: from[3]!, ...(from[1]?.trim() ? { displayName: from[1].trim() } : {}) } } : {}),
            ...(Object.keys(headers).length ? { headers } : {}),
            ...(vars['b2b_auth_user'] ? { credentials: { username: vars['b2b_auth_user'], password: vars['b2b_auth_pwd'] ?? '' } } : {}),
            input: { vars: { b2b_room: room } } as never,
          });
          args.enqueue(assign({ vars: { ...vars, b2b_other_ltag: l.id } } as never));
          args.enqueue(dial(l));
          args.enqueue(join(() => room));
        }) as never),
      ),

    /** DSM B2B.terminateOtherLeg: the leg B2B.connectCallee placed ends (CANCEL or BYE). */
    b2bTerminateOther: (): DsmActionFunction =>
      as(
        hangupLeg((args: Args) => (args.context.vars['b2b_other_ltag'] ? { id: args.context.vars['b2b_other_ltag'], flow: '' } : undefined) as never),
      ),

    /** DSM B2B.addHeader("Name: value") / B2B.setHeaders(text) / B2B.removeHeader(name) / B2B.clearHeaders(). */
    b2bHeaders: (op: 'add' | 'set' | 'remove' | 'clear', text: (args: Args) => string): DsmActionFunction =>
      as(
        assign((args: Args) => {
          const vars = { ...args.context.vars };
          if (op === 'set' || op === 'clear') for (const k of Object.keys(vars)) if (k.startsWith(B2B_HEADER)) delete vars[k];
          if (op === 'remove') delete vars[`${B2B_HEADER}${text(args).trim()}`];
          if (op === 'add' || op === 'set') {
            for (const line of text(args).split(/\r\n|\\r\\n|\n/)) {
              const colon = line.indexOf(':');
              if (colon > 0) vars[`${B2B_HEADER}${line.slice(0, colon).trim()}`] = line.slice(colon + 1).trim();
            }
          }
          return { vars } as never;
        }),
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
