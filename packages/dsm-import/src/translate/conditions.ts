/**
 * DSM conditions → the event types a transition can fire on, and a guard expression over (c, e).
 * Event conditions (hangup, key, invite, event(…), …) pick event types; test(…) picks none (any DSM event) and
 * adds to the guard. All conditions of a transition must hold (AND), as in DSM.
 */
import type { DsmCondition } from '../ast.js';
import { whereOf, type FlowScope } from './context.js';
import { valueExpr, quoteTs } from './values.js';

/** Event types by DSM event-condition name. */
const EVENT_CONDITIONS: Record<string, string[]> = {
  invite: ['sip.invite'],
  sessionStart: ['call.started'],
  hangup: ['sip.hangup'],
  key: ['dtmf'],
  keyTest: ['dtmf'],
  keyPress: ['dtmf'],
  noAudio: ['playlist.ended'],
  noAudioTest: ['playlist.ended'],
  ringing: ['call.ringing'],
  early: ['call.ringing'],
  failed: ['call.failed'],
  timer: ['dsm.timer'],
  'B2B.otherReply': ['leg.ringing', 'leg.answered', 'leg.failed'],
  'B2B.otherBye': ['leg.ended'],
  timerTest: ['dsm.timer'],
};

export interface TranslatedConditions {
  /** Event types the transition can fire on; undefined = any DSM event. Empty = never (an unsupported condition). */
  events: string[] | undefined;
  /** Guard expressions, AND-ed. */
  guards: string[];
}

const OPS = ['==', '!=', '<=', '>=', '<', '>'] as const;

/** test(a op b) → cmp(a, 'op', b). */
export function testExpr(raw: string, scope: FlowScope): string {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '"') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth !== 0) continue;
    const op = OPS.find((o) => raw.startsWith(o, i));
    if (op) {
      scope.dsmImports.add('cmp');
      return `cmp(${valueExpr(raw.slice(0, i), scope)}, '${op}', ${valueExpr(raw.slice(i + op.length), scope)})`;
    }
  }
  // test($x): true when set and not "false" (DSM treats a lone value as a boolean).
  const value = valueExpr(raw, scope);
  return `(${value} !== '' && ${value} !== 'false')`;
}

/** Message types that carry the parameters an event(…) condition reads (all messages when it reads none). */
function messageTypesFor(args: string | null, scope: FlowScope): string[] {
  const names = [...(args ?? '').matchAll(/#\(?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  const all = [...scope.facts.messages.values()];
  return all.filter((m) => names.every((n) => m.params.includes(n))).map((m) => m.type);
}

function intersect(a: string[] | undefined, b: string[]): string[] {
  return a === undefined ? [...b] : a.filter((x) => b.includes(x));
}

export function translateConditions(conditions: DsmCondition[], scope: FlowScope, exception: boolean): TranslatedConditions {
  let events: string[] | undefined = exception ? ['error', 'dsm.exception'] : undefined;
  if (exception) scope.ownEvents.add('DsmExceptionEvent');
  const guards: string[] = [];
  for (const c of conditions) {
    const name = c.name;
    let types: string[] | undefined;
    let guard: string | undefined;
    if (name === 'test') {
      guard = testExpr(c.args ?? '', scope);
    } else if (name === 'event' || name === 'eventTest') {
      types = messageTypesFor(c.args, scope);
      for (const m of (c.args ?? '').matchAll(/#\(?([A-Za-z_][A-Za-z0-9_]*)\)?\s*==\s*"?([^"\s)]*)"?/g)) {
        const values = scope.facts.paramValues.get(m[1]!) ?? new Set<string>();
        values.add(m[2]!);
        scope.facts.paramValues.set(m[1]!, values);
      }
      if (c.args?.trim()) guard = testExpr(c.args, scope);
    } else if (name === 'keyPress') {
      types = EVENT_CONDITIONS[name];
      scope.dsmImports.add('p');
      guard = `p(e, 'key') === ${quoteTs(c.args?.trim() ?? '')}`;
    } else if (name === 'B2B.otherBye') {
      // leg.ended of a B leg that had answered (not the end that follows a refusal).
      types = EVENT_CONDITIONS[name];
      scope.dsmImports.add('otherLegWasUp');
      guard = c.args?.trim() ? `otherLegWasUp(e) && ${testExpr(c.args, scope)}` : 'otherLegWasUp(e)';
    } else if (EVENT_CONDITIONS[name]) {
      types = EVENT_CONDITIONS[name];
      if (types[0] === 'dsm.timer') scope.ownEvents.add('DsmTimerEvent');
      if (c.args?.trim()) guard = testExpr(c.args, scope);
    } else {
      scope.facts.todos.push({
        where: whereOf(scope, c.at),
        what: `condition ${name}${c.args !== null ? `(${c.args})` : ''} has no sipflow event: the transition never fires`,
      });
      types = [];
    }
    if (c.not) {
      // not <event condition>: any event but those; not test(…): the guard negated.
      const typeGuard = types
        ? `!(${types.map((t) => `(e.type as string) === ${quoteTs(t)}`).join(' || ') || 'false'}${guard ? ` && ${guard}` : ''})`
        : `!(${guard})`;
      guards.push(typeGuard);
      continue;
    }
    if (types) events = intersect(events, types);
    if (guard) guards.push(guard);
  }
  return { events, guards };
}
