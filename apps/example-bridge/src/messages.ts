/** Messages between the two legs of a bridge, declared apart so each flow types the other's handle. */
import type { CallEvent } from '@sipflow/runtime/flow';

/** What the caller leg tells the far-end leg. */
export type FarEndMessage = { type: 'bridge.join'; room: string };

export type FarEndEvents = CallEvent | FarEndMessage;
export type BridgeEvents = CallEvent;
