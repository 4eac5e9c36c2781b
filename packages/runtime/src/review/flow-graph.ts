/**
 * Turns an XState machine into a `FlowGraph` by walking its state nodes (`machine.root`, `StateNode.transitions`,
 * `always`, `after`, `invoke`). Nothing is executed: guards and actions are only named.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import type { FlowGraph, FlowState, FlowTransition, FlowTransitionKind } from './flow-graph-types.js';

/** Dotted path of a state node below the root ('' for the root). */
export function statePath(node: AnyStateNode): string {
  return node.path.join('.');
}

/**
 * Describe a flow as data.
 *
 * @example
 * const graph = describeFlow(callerMachine);
 * graph.transitions.filter((t) => t.event === 'sip.hangup');
 */
export function describeFlow(machine: AnyStateMachine): FlowGraph {
  const states: FlowState[] = [];
  const transitions: FlowTransition[] = [];
  const visit = (node: AnyStateNode): void => {
    if (node.parent) states.push(describeState(node));
    transitions.push(...describeTransitions(node));
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  const root = machine.root as AnyStateNode;
  const graph: FlowGraph = { id: machine.id, states, transitions };
  if (root.type === 'compound') {
    const target = root.initial.target[0];
    if (target) graph.initial = statePath(target);
  }
  return graph;
}

function describeState(node: AnyStateNode): FlowState {
  const state: FlowState = { path: statePath(node), key: node.key, type: node.type, tags: [...node.tags] };
  if (node.parent?.parent) state.parent = statePath(node.parent);
  if (node.type === 'compound') {
    const target = node.initial.target[0];
    if (target) state.initial = statePath(target);
  }
  if (node.description) state.description = node.description;
  const unsupported = [...(node.entry as unknown[]), ...(node.exit as unknown[])]
    .map((a) => nameOf(a))
    .filter((n) => n.startsWith(UNSUPPORTED))
    .map((n) => n.slice('sipflow.'.length));
  if (unsupported.length) state.unsupported = unsupported;
  return state;
}

/** Name prefix of the `unsupported()` building block (DSM actions with no sipflow counterpart). */
const UNSUPPORTED = 'sipflow.unsupported:';

function describeTransitions(node: AnyStateNode): FlowTransition[] {
  const out: FlowTransition[] = [];
  const delays = new Map<string, string | number>();
  for (const after of node.after as Array<AnyTransitionDefinition & { delay: string | number }>) delays.set(after.eventType, after.delay);
  // Invoked actors by id → a readable name (their `src` when it is a named actor; ids are often generated).
  const actors = new Map<string, string>();
  for (const inv of node.invoke as Array<{ id: string; src: unknown }>) actors.set(inv.id, typeof inv.src === 'string' ? inv.src : inv.id);
  const ctx = { delays, actors };
  for (const [eventType, list] of node.transitions as Map<string, AnyTransitionDefinition[]>) {
    for (const t of list) out.push(describeTransition(node, t, eventType, ctx));
  }
  for (const t of (node.always ?? []) as AnyTransitionDefinition[]) out.push(describeTransition(node, t, 'always', ctx));
  return out;
}

function describeTransition(node: AnyStateNode, t: AnyTransitionDefinition, eventType: string, ctx: TriggerContext): FlowTransition {
  const { kind, trigger } = classify(eventType, ctx);
  const transition: FlowTransition = {
    from: statePath(node),
    event: eventType,
    kind,
    trigger,
    to: (t.target ?? []).map((target: AnyStateNode) => statePath(target)),
    // Built-in and DSL actions read better without their namespace: 'assign', 'reply', 'dial'.
    actions: t.actions.map((a: unknown) => nameOf(a).replace(/^(xstate|sipflow)\./, '')),
  };
  if (t.guard !== undefined) transition.guard = guardText(t.guard);
  if (typeof t.description === 'string' && t.description) transition.description = t.description;
  return transition;
}

interface TriggerContext {
  delays: Map<string, string | number>;
  actors: Map<string, string>;
}

function classify(eventType: string, { delays, actors }: TriggerContext): { kind: FlowTransitionKind; trigger: string } {
  if (eventType === 'always') return { kind: 'always', trigger: 'always' };
  const delay = delays.get(eventType);
  if (delay !== undefined) return { kind: 'after', trigger: typeof delay === 'number' ? `after ${delay} ms` : `after ${delay}` };
  const actor = (id: string) => actors.get(id) ?? id;
  if (eventType.startsWith('xstate.done.actor.')) return { kind: 'done', trigger: `done: ${actor(eventType.slice(18))}` };
  if (eventType.startsWith('xstate.error.actor.')) return { kind: 'error', trigger: `error: ${actor(eventType.slice(19))}` };
  if (eventType.startsWith('xstate.done.state.')) return { kind: 'done', trigger: 'done' };
  return { kind: 'event', trigger: eventType };
}

type Named = { type?: unknown; name?: unknown; guards?: unknown; stateValue?: unknown };

/** Name of an action or guard reference: 'x', { type: 'x' }, or a function (built-ins carry a `type`). */
function nameOf(ref: unknown): string {
  if (typeof ref === 'string') return ref;
  if (ref && (typeof ref === 'object' || typeof ref === 'function')) {
    const r = ref as Named;
    if (typeof r.type === 'string' && r.type) return r.type;
    if (typeof ref === 'function' && typeof r.name === 'string' && r.name && !['guard', 'actions', 'anonymous'].includes(r.name)) return r.name;
  }
  return 'inline';
}

/** Guard as text, higher-order guards included: and(a, not(b)). */
export function guardText(guard: unknown): string {
  if (typeof guard === 'function') {
    const g = guard as Named;
    if (Array.isArray(g.guards) && typeof g.name === 'string' && ['and', 'or', 'not'].includes(g.name))
      return `${g.name}(${g.guards.map(guardText).join(', ')})`;
    if (g.name === 'stateIn' && g.stateValue !== undefined) return `in(${JSON.stringify(g.stateValue)})`;
  }
  return nameOf(guard);
}
