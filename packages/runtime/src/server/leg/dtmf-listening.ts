/**
 * Whether a flow, in its current state, takes `dtmf` events: some active state node (the leaf or any ancestor) has a
 * transition on 'dtmf', on the wildcard '*', or on 'dtmf.*' (XState's partial wildcard matches 'dtmf' too).
 *
 * The leg switches its stream's in-band (Goertzel) detection by it. That detector is the one DTMF cost paid on every
 * received frame — RFC 4733 and INFO cost nothing until a key comes — and on a bridged call no state takes a key
 * (quizconnect's callee after its PIN, its caller throughout), so the media worker would run it for nothing. Entering
 * a state that takes keys starts the detector afresh: a tone already sounding is still reported if at least 40 ms of
 * it remain, and a key pressed while no state takes keys was going to be dropped by the flow anyway.
 */
import type { AnyMachineSnapshot } from 'xstate';

const DTMF_DESCRIPTORS = ['dtmf', '*', 'dtmf.*'] as const;

/** Per state node (machines are shared by every call of a flow): whether its own transitions take 'dtmf'. */
const nodeTakesDtmf = new WeakMap<object, boolean>();

export function takesDtmf(snapshot: AnyMachineSnapshot): boolean {
  for (const node of snapshot._nodes) {
    let takes = nodeTakesDtmf.get(node);
    if (takes === undefined) {
      takes = DTMF_DESCRIPTORS.some((d) => node.transitions.has(d));
      nodeTakesDtmf.set(node, takes);
    }
    if (takes) return true;
  }
  return false;
}
