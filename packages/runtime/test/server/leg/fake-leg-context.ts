/**
 * A LegContext that records what the leg's parts ask of their leg (events to the flow, to the owner, the end, dials,
 * messages), so the command handlers and the SIP-event handlers are tested without a Leg, a flow or a runtime.
 */
import pino from 'pino';
import type { EventObject } from 'xstate';
import type { CallDirection } from '../../../src/sip/sip-types.js';
import type { FlowCommand } from '../../../src/flow/commands.js';
import type { CallEvent } from '../../../src/flow/events.js';
import type { LegRef } from '../../../src/flow/leg-ref.js';
import { newLegSession, type LegContext, type LegSession } from '../../../src/server/leg/leg-context.js';
import type { LegEnding } from '../../../src/server/leg/leg-outcome.js';

export class FakeLegContext implements LegContext {
  readonly session: LegSession = newLegSession();
  readonly ref: LegRef<never> = { id: 'leg-1', flow: 'test' };
  readonly log = pino({ level: 'silent' });
  readonly promptDir = '/prompts';
  /** Set by the test: the leg has ended. */
  ended = false;
  /** Events given to the flow: 'now' (deliver) or 'later' (after the transition), in order. */
  readonly flow: Array<{ when: 'now' | 'later'; event: CallEvent | EventObject }> = [];
  /** Events told to the owner. */
  readonly owner: CallEvent[] = [];
  /** Why the leg was asked to end, in order. */
  readonly endings: LegEnding[] = [];
  startMediaCalls = 0;
  sipEndedCalls = 0;
  readonly dialled: Array<Extract<FlowCommand, { type: 'dial' }>> = [];
  readonly posted: Array<{ to: LegRef<never>; event: EventObject }> = [];
  readonly hungUp: Array<LegRef<never>> = [];

  constructor(readonly direction: CallDirection = 'inbound') {}

  finished(): boolean {
    return this.ended;
  }
  deliver(event: CallEvent | EventObject): void {
    this.flow.push({ when: 'now', event });
  }
  later(event: CallEvent): void {
    this.flow.push({ when: 'later', event });
  }
  tellOwner(event: CallEvent): void {
    this.owner.push(event);
  }
  startMedia(): void {
    this.startMediaCalls++;
    this.session.mediaStarted = true;
  }
  end(ending: LegEnding): void {
    this.endings.push(ending);
  }
  markSipEnded(): void {
    this.sipEndedCalls++;
    this.session.sipEnded = true;
  }
  dial(command: Extract<FlowCommand, { type: 'dial' }>): void {
    this.dialled.push(command);
  }
  post(to: LegRef<never>, event: EventObject): void {
    this.posted.push({ to, event });
  }
  hangUpOwned(leg: LegRef<never>): void {
    this.hungUp.push(leg);
  }

  /** The events given to the flow, as 'type' (now) or '~type' (later), with an error's code and effect. */
  get flowTypes(): string[] {
    return this.flow.map(({ when, event }) => {
      const detail = event.type === 'error' && 'code' in event && 'effect' in event ? ` ${String(event.code)} ${String(event.effect)}` : '';
      return `${when === 'later' ? '~' : ''}${event.type}${detail}`;
    });
  }
}
