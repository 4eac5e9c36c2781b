/**
 * The caller leg of a bridge: dial the same user at `outbound_domain`, ring back while it rings, and when it answers, answer the
 * caller and put both legs in one room. Either side hanging up ends both (the bridge hangs up the far end itself; the
 * runtime would end an owned leg anyway, the review wants it said).
 */
import { assign } from 'xstate';
import {
  answer,
  dial,
  hangupLeg,
  setup,
  join,
  leg,
  progress,
  reply,
  sendToLeg,
  type CallEvent,
  type DialLeg,
  type FlowInput,
  type LegRef,
} from '@sipflow/runtime/flow';
import type { BridgeConfig } from './config.js';
import { farEnd } from './far-end.js';
import type { FarEndEvents } from './messages.js';

interface BridgeContext {
  config: BridgeConfig;
  self: LegRef<CallEvent>;
  user: string;
  far: DialLeg<FarEndEvents> | undefined;
}

export const bridge = setup({
  types: {
    input: {} as FlowInput<BridgeConfig, CallEvent>,
    context: {} as BridgeContext,
    events: {} as CallEvent,
  },
  guards: {
    isFar: ({ context, event }) => 'leg' in event && context.far?.id === event.leg.id,
  },
  delays: {
    ringTimeout: ({ context }) => context.config.ring_timeout * 1000,
  },
}).createMachine({
  id: 'bridge',
  initial: 'START',
  context: ({ input }) => ({ config: input.config, self: input.self, user: input.call.user, far: undefined }),
  states: {
    START: {
      on: {
        'sip.invite': {
          target: 'DIALLING',
          description: 'got INVITE',
          actions: [
            assign({
              far: ({ context }) =>
                leg(farEnd, {
                  to: `sip:${context.user}@${context.config.outbound_domain}`,
                  from: { user: context.config.from_user },
                  input: {},
                }),
            }),
            dial(({ context }) => context.far),
          ],
        },
      },
    },
    DIALLING: {
      on: {
        'leg.ringing': { guard: 'isFar', actions: progress(180), description: 'far end rings' },
        'leg.answered': {
          guard: 'isFar',
          target: 'CONNECTED',
          description: 'far end answered',
          actions: [
            answer(),
            join(({ context }) => context.self.id),
            sendToLeg(
              ({ context }) => context.far,
              ({ context }) => ({ type: 'bridge.join', room: context.self.id }),
            ),
          ],
        },
        'leg.failed': {
          guard: 'isFar',
          target: 'END',
          actions: reply(({ event }) => (event.code >= 400 && event.code < 700 ? event.code : 480)),
          description: 'far end refused',
        },
        'leg.ended': { guard: 'isFar', target: 'END', actions: reply(480), description: 'far end gone' },
        'sip.hangup': { target: 'END', actions: hangupLeg(({ context }) => context.far), description: 'caller cancelled' },
      },
      after: { ringTimeout: { target: 'END', actions: [hangupLeg(({ context }) => context.far), reply(480)], description: 'no answer' } },
    },
    CONNECTED: {
      on: {
        'sip.hangup': { target: 'END', actions: hangupLeg(({ context }) => context.far), description: 'caller hung up' },
        'leg.ended': { guard: 'isFar', target: 'END', description: 'far end hung up' },
      },
    },
    END: { type: 'final' },
  },
});
