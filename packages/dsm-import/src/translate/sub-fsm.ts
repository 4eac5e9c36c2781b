/**
 * jumpFSM / callFSM / returnFSM: DSM switches a session between diagrams. A flow whose diagram (or a diagram it jumps
 * to or calls, transitively) uses them holds every such diagram as a compound state `FSM_<diagram>` (with that id),
 * its own first. As in SEMS (DSMStateEngine):
 * - jumpFSM(X): the actions after it are skipped, the transition's target is not entered: X's initial state is;
 * - callFSM(X): the same, and the state it was called from (the transition's from-state, or the state whose enter
 *   actions call it) is remembered with the actions after the call;
 * - returnFSM(): back to the state remembered last — its enter actions do not run again — then the actions that
 *   followed the callFSM run. With nothing to return to, it does nothing (SEMS logs an error and goes on).
 * Translated where the action is in a transition's or a state's enter actions (not inside if/for or a function).
 */
import type { DsmAction, DsmCall, DsmScript } from '../ast.js';
import { unquote } from './values.js';

export const FSM_ACTIONS = new Set(['jumpFSM', 'callFSM', 'returnFSM']);

/** The compound state (and its id) holding a diagram's states. */
export function fsmStateId(diagram: string): string {
  return `FSM_${diagram.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Where a callFSM may return to: the state it was called from, and the actions after it. */
export interface CallSite {
  /** Unique in the flow: `<diagram>.<state>.<line>`. */
  id: string;
  diagram: string;
  state: string;
  rest: DsmAction[];
}

/** The first jumpFSM/callFSM/returnFSM at the top level of an action list. */
export function fsmActionAt(actions: DsmAction[]): number {
  return actions.findIndex((a) => a.kind === 'call' && FSM_ACTIONS.has(a.name));
}

/** The diagram a jumpFSM/callFSM names (a literal name; undefined for a $variable). */
export function fsmTarget(call: DsmCall): string | undefined {
  const name = unquote((call.args ?? '').trim());
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : undefined;
}

function walk(actions: DsmAction[], visit: (c: DsmCall) => void): void {
  for (const a of actions) {
    if (a.kind === 'call') visit(a);
    else if (a.kind === 'if') {
      walk(a.then, visit);
      walk(a.else, visit);
    } else walk(a.body, visit);
  }
}

function allActions(script: DsmScript): DsmAction[] {
  return script.items.flatMap((i) =>
    i.kind === 'state' ? [...i.enter, ...i.exit] : i.kind === 'transition' ? i.actions : i.kind === 'function' ? i.body : [],
  );
}

/** Whether the script uses jumpFSM/callFSM/returnFSM anywhere. */
export function usesFsmActions(script: DsmScript): boolean {
  let found = false;
  walk(allActions(script), (c) => (found ||= FSM_ACTIONS.has(c.name)));
  return found;
}

/**
 * The diagrams a flow holds: its own, then every diagram it jumps to or calls, transitively (only those of the app).
 * Empty when no jumpFSM/callFSM of it reaches a diagram of the app (the flow is the diagram's states alone).
 */
export function fsmDiagrams(script: DsmScript, all: Map<string, DsmScript>): DsmScript[] {
  if (!usesFsmActions(script)) return [];
  const out = new Map<string, DsmScript>([[script.name, script]]);
  let switches = false;
  const queue = [script];
  while (queue.length) {
    const s = queue.shift()!;
    walk(allActions(s), (c) => {
      if (c.name !== 'jumpFSM' && c.name !== 'callFSM') return;
      const target = fsmTarget(c);
      const next = target !== undefined ? all.get(target) : undefined;
      if (next) switches = true;
      if (next && !out.has(next.name)) {
        out.set(next.name, next);
        queue.push(next);
      }
    });
  }
  // No jump or call reaches a diagram of the app: nothing to hold (the actions become unsupported() stand-ins).
  return switches ? [...out.values()] : [];
}

/** Every callFSM of the flow's diagrams a returnFSM may come back to (top level of transition or enter actions). */
export function callSites(diagrams: DsmScript[]): CallSite[] {
  const sites: CallSite[] = [];
  for (const d of diagrams) {
    for (const item of d.items) {
      const list = item.kind === 'transition' ? item.actions : item.kind === 'state' ? item.enter : undefined;
      if (!list) continue;
      const at = fsmActionAt(list);
      const call = at >= 0 ? (list[at] as DsmCall) : undefined;
      if (!call || call.name !== 'callFSM') continue;
      const states = item.kind === 'transition' ? item.from : item.kind === 'state' ? [item.name] : [];
      for (const state of states) sites.push({ id: `${d.name}.${state}.${call.at.line}`, diagram: d.name, state, rest: list.slice(at + 1) });
    }
  }
  return sites;
}
