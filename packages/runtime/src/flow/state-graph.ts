/**
 * Turns XState's inspection stream into the call's state graph (the tutorial's dsm_state / dsm_stategraph):
 * each state entered, and the description of each transition taken, in order. Used by the registry and by
 * `testFlow()`, so tests assert the same graph monitoring shows.
 */
import type { AnyActorRef, InspectionEvent, StateValue } from 'xstate';

/** One step of a call's state graph, in order. */
export type StateGraphStep = { kind: 'state'; at: number; state: string } | { kind: 'transition'; at: number; description: string; event: string };

/** 'WAIT_CALLEE', 'CONNECTED.talking', parallel regions joined with ','. */
export function stateToString(value: StateValue): string {
  if (typeof value === 'string') return value;
  const parts = Object.entries(value).map(([k, v]) => {
    if (v === undefined) return k;
    const inner = stateToString(v as StateValue);
    return inner ? `${k}.${inner}` : k;
  });
  return parts.join(',');
}

/**
 * Records the state graph of ONE actor (the leg's flow actor) from its system's inspection events; events about
 * other actors in the same system (invoked effects) are ignored.
 */
export class StateGraphRecorder {
  readonly steps: StateGraphStep[] = [];
  current = '';
  #actor: AnyActorRef | undefined;
  readonly #onChange: ((state: string) => void) | undefined;
  readonly #now: () => number;

  constructor(onChange?: (state: string) => void, now: () => number = Date.now) {
    this.#onChange = onChange;
    this.#now = now;
  }

  /** Only events of this actor count (set before start; without it the root actor of the system is used). */
  track(actor: AnyActorRef): void {
    this.#actor = actor;
  }

  readonly inspect = (ev: InspectionEvent): void => {
    if (this.#actor ? ev.actorRef !== this.#actor : (ev.actorRef as AnyActorRef)._parent !== undefined) return;
    if (ev.type === '@xstate.microstep') {
      const snap = ev.snapshot as { value?: StateValue };
      if (snap.value === undefined) return;
      // Targetless transitions without a name (bookkeeping) are noise in a state graph; named ones are kept.
      const taken = ev._transitions.filter((t) => (t.target && t.target.length > 0) || t.description !== undefined);
      for (const t of taken) {
        this.steps.push({ kind: 'transition', at: this.#now(), description: t.description ?? t.eventType, event: ev.event.type });
      }
      if (taken.some((t) => t.target && t.target.length > 0) || !this.current) this.#enter(stateToString(snap.value));
      else if (taken.length > 0) this.#onChange?.(this.current); // a named step in the same state: the graph grew
    } else if (ev.type === '@xstate.snapshot' && !this.current) {
      // The initial state is entered without a microstep.
      const snap = ev.snapshot as { value?: StateValue };
      if (snap.value !== undefined) this.#enter(stateToString(snap.value));
    }
  };

  #enter(state: string): void {
    this.steps.push({ kind: 'state', at: this.#now(), state });
    this.current = state;
    this.#onChange?.(state);
  }
}
