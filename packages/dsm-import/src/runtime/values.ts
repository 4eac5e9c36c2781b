/**
 * DSM values in an imported flow: variables are strings ($var), event parameters (#param) and selects (@select)
 * are read as strings, and test() compares the DSM way (numbers as numbers when both sides are numbers,
 * `prefix*` on the right of == / != matches a prefix).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CallInfo, LegRef } from '@sipflow/runtime/flow';

/** What every imported flow keeps: the DSM session's variables, and who it is. */
export interface DsmContext<TConfig> {
  config: TConfig;
  call: CallInfo;
  self: LegRef<never>;
  /** DSM variables ($name), all strings, as DSM has them ($b_ltags[0], $db.rows: the name is the whole text). */
  vars: Record<string, string>;
  /**
   * An effect (a mysql.query) is running: DSM ran it synchronously, so events that come meanwhile wait in
   * `deferred` and are processed, in order, once it is done.
   */
  busy: boolean;
  deferred: Array<{ type: string }>;
  /** A break() ran in the innermost for loop: the rest of the loop's actions are skipped. */
  broken?: boolean;
  /** DSM timer ids set (setTimer) and not removed: what removeTimers() cancels. */
  timers?: string[];
  /** callFSM sites to return to (returnFSM), the last one last. */
  stack?: string[];
  /** A returnFSM is on its way back into the state it called from: that state's entry actions do not run again. */
  returning?: boolean;
}

/** An imported flow's input: the runtime's, plus the variables a dialling leg passed (DSM `b_leg_var.*`). */
export interface DsmInput<TConfig> {
  call: CallInfo;
  self: LegRef<never>;
  config: TConfig;
  vars?: Record<string, string>;
}

/** The initial context of an imported flow. */
export function dsmContext<TConfig>(input: DsmInput<TConfig>): DsmContext<TConfig> {
  return { config: input.config, call: input.call, self: input.self, vars: { ...(input.vars ?? {}) }, busy: false, deferred: [] };
}

/** $name: a variable, '' when unset (as in DSM). */
export function v(context: { vars: Record<string, string> }, name: string): string {
  return context.vars[name] ?? '';
}

/** DTMF keys as DSM numbers them (#key): 0-9, * is 10, # is 11, A-D 12-15. */
const DSM_KEY: Record<string, string> = { '*': '10', '#': '11', A: '12', B: '13', C: '14', D: '15' };

/** DSM exception types (#type) for sipflow error codes. */
const EXCEPTION_TYPE: Record<string, string> = {
  PROMPT_UNREADABLE: 'file',
  DIALOUT_FAILED: 'dialout',
  LOOKUP_CONNECT: 'connection',
  LOOKUP_QUERY: 'query',
};

/** #name: a parameter of the current event, '' when it has none. */
/**
 * B2B.otherBye: the other leg hung up after it had answered. A leg.ended after a refusal (leg.failed) or a CANCEL is
 * not a BYE in SEMS (B2B.otherReply took the refusal), so it does not match.
 */
export function otherLegWasUp(event: { type: string }): boolean {
  return !(event.type === 'leg.ended' && (event as { answered?: boolean }).answered === false);
}

export function p(event: { type: string }, name: string): string {
  const e = event as Record<string, unknown> & { type: string };
  // B2B.otherReply on a leg that answered: #code 200 (the runtime's leg.answered carries no code).
  if (e.type === 'leg.answered' && (name === 'code' || name === 'reason')) return name === 'code' ? '200' : 'OK';
  if (e.type === 'dtmf' && name === 'key') {
    const key = String(e['key']);
    return DSM_KEY[key] ?? key;
  }
  if (e.type === 'error') {
    if (name === 'type') return EXCEPTION_TYPE[String(e['code'])] ?? String(e['code']).toLowerCase();
    if (name === 'text' || name === 'message') return String(e['message'] ?? '');
  }
  const params = e['params'];
  if (params && typeof params === 'object' && name in params) return String((params as Record<string, unknown>)[name] ?? '');
  const value = e[name];
  return value === undefined || value === null || typeof value === 'object' ? '' : String(value);
}

/** @name: a select of the session's dialog. */
export function sel(context: DsmContext<unknown>, name: string): string {
  const call = context.call;
  switch (name) {
    case 'local_tag':
      return context.self.id;
    case 'user':
      return call.user;
    case 'callid':
      return call.id;
    case 'from':
      return call.from;
    case 'to':
      return call.to;
    case 'ruri':
    case 'remote_uri':
      return call.requestUri;
    default:
      return '';
  }
}

export type DsmCompare = '==' | '!=' | '<' | '>' | '<=' | '>=';

const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** test(a op b) as DSM evaluates it. */
export function cmp(a: string, op: DsmCompare, b: string): boolean {
  if (op === '==' || op === '!=') {
    const equal = b.endsWith('*') ? a.startsWith(b.slice(0, -1)) : a === b;
    return op === '==' ? equal : !equal;
  }
  const numeric = NUMBER.test(a) && NUMBER.test(b);
  const x = numeric ? Number(a) : a;
  const y = numeric ? Number(b) : b;
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    default:
      return x >= y;
  }
}

/** eval($x=a+b): DSM's simple integer + and -; anything else stays the text. */
export function evalSum(text: string): string {
  const m = /^\s*(-?\d+)\s*([+-])\s*(-?\d+)\s*$/.exec(text);
  if (!m) return text.trim();
  const a = Number(m[1]);
  const b = Number(m[3]);
  return String(m[2] === '+' ? a + b : a - b);
}

/** inc($x): +1 on the number, 1 when unset or not a number. */
export function inc(value: string): string {
  const n = Number.parseInt(value, 10);
  return String(Number.isNaN(n) ? 1 : n + 1);
}

/** A leg addressed by its id (DSM's local tag in a variable), for sendToLeg. */
export function legById<TAccepts extends { type: string }>(id: string): LegRef<TAccepts> | undefined {
  return id ? { id, flow: '' } : undefined;
}

/**
 * Events DSM has a name for. Transitions whose conditions do not name an event type (test() only, or none) are
 * taken for these only: sipflow's extra notifications (prompt.queued, call.answered, leg.*) are not DSM events.
 */
const DSM_EVENTS = new Set(['sip.invite', 'call.started', 'sip.hangup', 'dtmf', 'playlist.ended', 'call.ringing', 'call.failed']);

export function isDsmEvent(event: { type: string }): boolean {
  return DSM_EVENTS.has(event.type) || (event.type.startsWith('dsm.') && event.type !== 'dsm.exception' && event.type !== 'dsm.fsm');
}

/** mod_utils / mod_sys values an imported flow computes (utils.getNewId, utils.rand, utils.add …, sys.getTimestamp). */
export const utils = {
  newId: (): string => randomUUID(),
  rand: (modulo: string): string => {
    const m = Number.parseInt(modulo, 10);
    const n = Math.floor(Math.random() * 0x7fffffff);
    return String(m > 0 ? n % m : n);
  },
  /** utils.add / sub (floats), mul (integers), int (integer part). */
  arith: (op: 'add' | 'sub' | 'mul' | 'int', a: string, b: string): string => {
    const x = Number(a) || 0;
    const y = Number(b) || 0;
    if (op === 'add') return String(x + y);
    if (op === 'sub') return String(x - y);
    if (op === 'mul') return String(Math.trunc(x) * Math.trunc(y));
    return String(Math.trunc(y));
  },
  md5: (value: string): string => createHash('md5').update(value).digest('hex'),
  /** utils.replace: every `search` in `subject` replaced. */
  replace: (subject: string, search: string, replacement: string): string => (search ? subject.split(search).join(replacement) : subject),
  /** utils.splitString / splitStringCR: $name[0] … $name[n]. */
  split: (name: string, value: string, delim: string): Record<string, string> => {
    const parts = delim === '' ? [...value] : value.split(delim);
    return Object.fromEntries(parts.map((part, i) => [`${name}[${i}]`, part]));
  },
  /** sys.getTimestamp: $name.tv_sec and $name.tv_usec. */
  timestamp: (name: string): Record<string, string> => {
    const now = Date.now();
    return { [`${name}.tv_sec`]: String(Math.floor(now / 1000)), [`${name}.tv_usec`]: String((now % 1000) * 1000) };
  },
};

/** returnFSM: whether the callFSM remembered last is `site` (a `<diagram>.<state>.<line>` the importer numbered). */
export function returnsTo(context: { stack?: string[] }, site: string): boolean {
  const stack = context.stack ?? [];
  return stack.length > 0 && stack[stack.length - 1] === site;
}
