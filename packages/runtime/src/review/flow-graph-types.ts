/**
 * A flow (an XState machine) described as plain data: what the review checks, the Mermaid docs and the admin web
 * page's diagram all work from. JSON-serialisable.
 */

export type FlowStateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface FlowState {
  /** Dotted path below the machine root, e.g. 'CONNECTED.talking' — the same form as `CallRecord.state`. */
  path: string;
  /** Last segment of the path. */
  key: string;
  type: FlowStateType;
  /** Path of the parent state; undefined for top-level states. */
  parent?: string;
  /** For a compound state: path of its initial child. */
  initial?: string;
  description?: string;
  tags: string[];
  /** `unsupported(...)` stand-ins (DSM import) among the state's entry and exit actions, as 'unsupported:name@where'. */
  unsupported?: string[];
}

/** What triggers a transition. */
export type FlowTransitionKind = 'event' | 'always' | 'after' | 'done' | 'error';

export interface FlowTransition {
  /** Path of the state the transition is declared on. */
  from: string;
  /** Event type as the machine knows it ('sip.hangup', 'xstate.after.5000.x', '*'); 'always' for eventless. */
  event: string;
  kind: FlowTransitionKind;
  /** Human form of the trigger: 'dtmf', 'after 5000 ms', 'done: lookup', 'error: lookup', 'always'. */
  trigger: string;
  /** Guard as text ('pinMatches', 'not(isEmpty)', 'inline'); undefined when unguarded. */
  guard?: string;
  /** Target state paths; empty for a targetless transition (actions only, stays in the state). */
  to: string[];
  /** The transition's name (its XState `description`), e.g. 'pin matches'. */
  description?: string;
  /** Action names, in order. */
  actions: string[];
}

export interface FlowGraph {
  /** The machine id. */
  id: string;
  /** Path of the root's initial state (top-level states only; undefined for a parallel root). */
  initial?: string;
  /** Every state except the root, in document order. */
  states: FlowState[];
  transitions: FlowTransition[];
}
