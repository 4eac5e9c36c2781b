/**
 * Flow ids are unique across apps: the call registry, the logs, the metrics and a leg's state graph name a flow by
 * its machine id, so two apps with a flow `ivr` (an example copied to start an app) could not be told apart.
 * The server refuses to load (or reload) an app whose flow id another loaded app uses; the review refuses an app
 * whose flow id another app of the apps folder uses. `npm run new` names flows `<app>_main`.
 */
import type { AnyStateMachine } from 'xstate';
import { appLoadErrors } from './errors.js';

export interface AppFlowIds {
  app: string;
  flows: Record<string, AnyStateMachine>;
}

/** Throws FLOW_ID_TAKEN when a flow of `app` has the id of a flow of one of `others`. */
export function assertFlowIdsUnique(app: AppFlowIds, others: Iterable<AppFlowIds>): void {
  for (const other of others) {
    if (other.app === app.app) continue;
    const theirs = new Set(Object.values(other.flows).map((m) => m.id));
    for (const [name, machine] of Object.entries(app.flows)) {
      if (theirs.has(machine.id)) throw appLoadErrors.flowIdTaken(app.app, name, machine.id, other.app);
    }
  }
}
