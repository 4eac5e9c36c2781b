import { AsyncLocalStorage } from 'node:async_hooks';
import { Timers } from 'sip.js/lib/core/index.js';
import type { CoreTimers } from './timers.js';

/** Runs `work` as work of one stack: sip.js's timeouts armed meanwhile (and later, from its callbacks) are that stack's. */
export type StackScope = <T>(work: () => T) => T;

/**
 * Per-stack timer values for sip.js without changing its code. sip.js's transactions and dialogs read each timeout
 * from one module-level object, `Timers`, at the moment they arm it. Each property of that object is made a getter
 * (once per process, on the first stack's first use): it returns the value of the stack whose work is running, the
 * table `stackScope()` put in scope, and sip.js's own value outside any stack. Nothing is ever written, so code
 * outside sipflow still sees sip.js's own values and two stacks in one process do not see each other's.
 *
 * The scope is an AsyncLocalStorage, so it follows sip.js's own timer callbacks and promise continuations: the 2xx
 * retransmission reads T2 in its callback, and a dialog whose ACK never came sends its BYE from Timer L. The stack
 * enters it where work comes in (each received message, `dial()`) and around every call method that makes sip.js
 * send: a flow may call those from a media or admin event, which runs outside any stack's scope. Why a scope and not
 * a patch of sip.js's reads, with its cost measured: docs/sip.md.
 */
const running = new AsyncLocalStorage<CoreTimers>();
let installed = false;

/** The scope of one stack: `table` is what sip.js's `Timers` reads return inside it. */
export function stackScope(table: CoreTimers): StackScope {
  installTimerGetters();
  return (work) => running.run(table, work);
}

function installTimerGetters(): void {
  if (installed) return;
  installed = true;
  const shipped: CoreTimers = { ...Timers };
  for (const key of Object.keys(shipped) as Array<keyof CoreTimers>) {
    Object.defineProperty(Timers, key, { enumerable: true, get: () => (running.getStore() ?? shipped)[key] });
  }
}
