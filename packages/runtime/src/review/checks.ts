/**
 * The review rules. Each works on `FlowGraph`s (plain data), so the rules are testable on tiny machines and
 * explainable in one sentence each.
 */
import type { FlowGraph, FlowState, FlowTransition } from './flow-graph-types.js';

export type ReviewRule =
  | 'unreachable-state'
  | 'unhandled-hangup'
  | 'unhandled-leg-message'
  | 'unsupported-action'
  | 'undeclared-event'
  | 'failing-path'
  | 'duplicate-flow-id';

export interface ReviewFinding {
  rule: ReviewRule;
  flow: string;
  /** The state concerned (dotted path), when the finding is about one. */
  state?: string;
  message: string;
}

/** A message a leg running flow `to` can receive. */
export interface LegMessage {
  /** Flow that sends it, when known (for the message). */
  from?: string;
  /** Flow of the receiving leg. */
  to: string;
  /** Event type the receiver gets. */
  event: string;
}

export interface ReviewOptions {
  /** Events that end a call from the outside: every non-final state must handle one of each. Default ['sip.hangup']. */
  hangupEvents?: string[];
  /** Leg messages the app sends, checked against the receiving flow. Default none. */
  legMessages?: LegMessage[];
  /** The event types each flow declares (read from its TypeScript types), by flow name. Flows absent: not checked. */
  declaredEvents?: Record<string, string[]>;
}

/** The event an inbound flow receives first. */
const FIRST_EVENT = 'sip.invite';

/** Whether a transition's event descriptor ('x', '*', 'sip.*') matches an event type. */
export function eventMatches(descriptor: string, eventType: string): boolean {
  if (descriptor === eventType || descriptor === '*') return true;
  return descriptor.endsWith('.*') && eventType.startsWith(descriptor.slice(0, -1));
}

/** The states a running flow can ever be in: from the initial state, over every transition, default entries. */
export function reachableStates(graph: FlowGraph): Set<string> {
  const byPath = new Map(graph.states.map((s) => [s.path, s] as const));
  const children = childrenOf(graph);
  const reached = new Set<string>();

  /** Enter a target: its ancestors (a parallel ancestor enters its other regions too), then its defaults below. */
  const enter = (path: string): void => {
    const state = byPath.get(path);
    if (!state) return;
    // A history target enters its parent's default (conservative; history states are never reported).
    if (state.type === 'history') {
      reached.add(path);
      if (state.parent) enter(state.parent);
      return;
    }
    let below = path;
    for (let up = state.parent; up !== undefined; up = byPath.get(up)?.parent) {
      reached.add(up);
      if (byPath.get(up)?.type === 'parallel') for (const region of children.get(up) ?? []) if (region !== below) enterDown(region);
      below = up;
    }
    enterDown(path);
  };
  const enterDown = (path: string): void => {
    const state = byPath.get(path);
    if (!state) return;
    reached.add(path);
    if (state.type === 'compound' && state.initial) enterDown(state.initial);
    if (state.type === 'parallel') for (const region of children.get(path) ?? []) enterDown(region);
  };

  if (graph.initial) enter(graph.initial);
  else for (const top of children.get('') ?? []) enterDown(top);

  // Fixed point: transitions declared on reached states (or the root) enter their targets.
  let size = -1;
  while (size !== reached.size) {
    size = reached.size;
    for (const t of graph.transitions) {
      if (t.from !== '' && !reached.has(t.from)) continue;
      for (const target of t.to) if (!reached.has(target)) enter(target);
    }
  }
  return reached;
}

function childrenOf(graph: FlowGraph): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const s of graph.states) {
    const parent = s.parent ?? '';
    const list = map.get(parent) ?? [];
    list.push(s.path);
    map.set(parent, list);
  }
  return map;
}

/** Rule 1: every state can be reached from the initial state. */
export function checkUnreachable(flow: string, graph: FlowGraph): ReviewFinding[] {
  const reached = reachableStates(graph);
  return graph.states
    .filter((s) => s.type !== 'history' && !reached.has(s.path))
    .map((s) => ({ rule: 'unreachable-state', flow, state: s.path, message: `state '${s.path}' can never be entered` }));
}

/**
 * Rule 2: in every non-final state (atomic or compound) each hangup event is handled by the state or an ancestor
 * (the root included) with a transition that can always be taken — guarded handlers alone can all fail, and the
 * event would then be dropped while the caller is gone. Exempt: the initial state while it waits for `sip.invite`.
 */
export function checkHangupHandled(flow: string, graph: FlowGraph, hangupEvents: string[]): ReviewFinding[] {
  const byPath = new Map(graph.states.map((s) => [s.path, s] as const));
  const findings: ReviewFinding[] = [];
  for (const state of graph.states) {
    if (state.type !== 'atomic' && state.type !== 'compound') continue;
    // The runtime delivers the INVITE first, synchronously: nothing can hang up before the initial state handles it.
    if (state.path === graph.initial && graph.transitions.some((t) => t.from === state.path && t.event === FIRST_EVENT)) continue;
    for (const event of hangupEvents) {
      const handlers = handlersInChain(graph, byPath, state, event);
      if (handlers.some((t) => t.guard === undefined)) continue;
      if (otherRegionHandles(graph, byPath, state, event)) continue;
      findings.push({
        rule: 'unhandled-hangup',
        flow,
        state: state.path,
        message: handlers.length
          ? `'${event}' in state '${state.path}' is handled only under guards (${handlers.map((t) => t.guard).join(', ')}); add an unguarded fallback`
          : `'${event}' is handled neither in state '${state.path}' nor by an ancestor`,
      });
    }
  }
  return findings;
}

/** Transitions for `event` on the state, its ancestors up to `upTo` (inclusive; default: the root included). */
function handlersInChain(graph: FlowGraph, byPath: Map<string, FlowState>, state: FlowState, event: string, upTo?: string): FlowTransition[] {
  const chain: string[] = [];
  for (let s: FlowState | undefined = state; s; s = s.parent ? byPath.get(s.parent) : undefined) {
    chain.push(s.path);
    if (s.path === upTo) break;
  }
  if (upTo === undefined) chain.push('');
  return graph.transitions.filter((t) => chain.includes(t.from) && t.kind === 'event' && eventMatches(t.event, event));
}

/**
 * In a parallel state, every region's active state is offered the event: a state that does not handle it is still
 * covered when another region handles it unguarded in every one of its states (finals included, since a region
 * that has finished no longer handles anything).
 */
function otherRegionHandles(graph: FlowGraph, byPath: Map<string, FlowState>, state: FlowState, event: string): boolean {
  let below = state.path;
  for (let up = state.parent ? byPath.get(state.parent) : undefined; up; up = up.parent ? byPath.get(up.parent) : undefined) {
    if (up.type === 'parallel') {
      const regions = graph.states.filter((s) => s.parent === up.path && s.path !== below);
      for (const region of regions) {
        const leaves = graph.states.filter(
          (s) => (s.path === region.path || s.path.startsWith(`${region.path}.`)) && (s.type === 'atomic' || s.type === 'final'),
        );
        if (leaves.length && leaves.every((leaf) => handlersInChain(graph, byPath, leaf, event, region.path).some((t) => t.guard === undefined)))
          return true;
      }
    }
    below = up.path;
  }
  return false;
}

/** Rule 3: every leg message sent to a flow is handled somewhere in that flow. */
export function checkLegMessages(graphs: Record<string, FlowGraph>, messages: LegMessage[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const m of messages) {
    const receiver = graphs[m.to];
    if (!receiver) {
      findings.push({ rule: 'unhandled-leg-message', flow: m.to, message: `${sender(m)} '${m.event}' to flow '${m.to}', which does not exist` });
      continue;
    }
    const handled = receiver.transitions.some((t) => t.kind === 'event' && eventMatches(t.event, m.event));
    if (!handled)
      findings.push({
        rule: 'unhandled-leg-message',
        flow: m.to,
        message: `flow '${m.to}' never handles leg message '${m.event}' (${sender(m)} it): no state or ancestor has a transition for it`,
      });
  }
  return findings;
}

function sender(m: LegMessage): string {
  return m.from ? `'${m.from}' sends` : 'its event type lets other legs send';
}

/** Rule 4: no `unsupported(...)` stand-in is left (a DSM action imported without a sipflow counterpart). */
export function checkUnsupported(flow: string, graph: FlowGraph): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  const seen = new Set<string>();
  const report = (state: string, action: string): void => {
    // One DSM transition can sit under several event keys: report each stand-in once per state.
    if (seen.has(`${state} ${action}`)) return;
    seen.add(`${state} ${action}`);
    const [name, where] = action.slice('unsupported:'.length).split('@');
    findings.push({
      rule: 'unsupported-action',
      flow,
      state,
      message: `unsupported action '${name}' (${where}) in state '${state}': it does nothing in sipflow`,
    });
  };
  for (const s of graph.states) for (const a of s.unsupported ?? []) report(s.path, a);
  for (const t of graph.transitions) for (const a of t.actions) if (a.startsWith('unsupported:')) report(t.from, a);
  return findings;
}

/**
 * Rule 5: every transition's event is one the flow declares (its `types.events` union, read with the compiler API).
 * The compiler refuses such a key already in a config written inline; this catches the rest (a config built by
 * code, cast, or wrapped). Wildcards are checked by their prefix; XState's own events are not checked.
 */
export function checkDeclaredEvents(flow: string, graph: FlowGraph, declared: readonly string[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const t of graph.transitions) {
    if (t.kind !== 'event' || t.event === '*' || t.event.startsWith('xstate.')) continue;
    const ok = t.event.endsWith('.*') ? declared.some((d) => eventMatches(t.event, d)) : declared.includes(t.event);
    if (!ok)
      findings.push({
        rule: 'undeclared-event',
        flow,
        state: t.from || undefined,
        message: `${t.from ? `state '${t.from}'` : 'the root'} has a transition on '${t.event}', which is not an event the flow declares (${declared.join(', ')})`,
      });
  }
  return findings;
}

/** All rules over the flows of one app. */
export function reviewGraphs(graphs: Record<string, FlowGraph>, options: ReviewOptions = {}): ReviewFinding[] {
  const hangupEvents = options.hangupEvents ?? ['sip.hangup'];
  const findings: ReviewFinding[] = [];
  for (const [flow, graph] of Object.entries(graphs)) {
    findings.push(...checkUnreachable(flow, graph), ...checkHangupHandled(flow, graph, hangupEvents), ...checkUnsupported(flow, graph));
    const declared = options.declaredEvents?.[flow];
    if (declared) findings.push(...checkDeclaredEvents(flow, graph, declared));
  }
  findings.push(...checkLegMessages(graphs, options.legMessages ?? []));
  return findings;
}
