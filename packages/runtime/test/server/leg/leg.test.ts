/**
 * The Leg coordinator alone, with a recording host and the fake dialog and stream: the end happens once and takes
 * everything with it (the flow, owned legs, the dialog, the stream, the registry record), and the owner hears of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { z } from 'zod';
import { createMachine, type AnyStateMachine, type EventObject } from 'xstate';
import { answer } from '../../../src/flow/actions.js';
import type { FlowCommand } from '../../../src/flow/commands.js';
import type { CallInfo, LegRef } from '../../../src/flow/leg-ref.js';
import type { AppVersion } from '../../../src/server/app-manager.js';
import type { CallOutcome, StateGraphStep } from '../../../src/server/registry-types.js';
import { Leg, type LegHost } from '../../../src/server/leg/leg.js';
import { FakeInboundCall, FakeMedia, FakeStream, flushAsync } from '../fakes.js';

const app: AppVersion = {
  name: 'leg-test',
  version: 1,
  loadedAt: 0,
  dir: '/apps/leg-test',
  definition: { name: 'leg-test', flows: {}, inbound: 'caller', config: z.object({}) },
  config: {},
  resources: undefined,
  promptDir: '/prompts',
  calls: 0,
  retired: false,
};

class RecordingHost implements LegHost {
  readonly ends: Array<{ id: string; outcome: Exclude<CallOutcome, 'active'>; reason: string | undefined }> = [];
  readonly removedIds: string[] = [];
  readonly registry = {
    state: (_id: string, _state: string, _graph: readonly StateGraphStep[]): void => {},
    end: (id: string, outcome: Exclude<CallOutcome, 'active'>, reason?: string): void => {
      this.ends.push({ id, outcome, reason });
    },
  };
  dial(_owner: Leg, _command: Extract<FlowCommand, { type: 'dial' }>): void {}
  post(_to: LegRef<never>, _event: EventObject, _from: Leg): void {}
  removed(leg: Leg): void {
    this.removedIds.push(leg.id);
  }
}

/** The events a flow received, in order (a flow that records everything and ends on nothing). */
function recordingFlow(id: string, heard: string[], onInvite: 'answer' | 'wait' = 'wait'): AnyStateMachine {
  return createMachine({
    id,
    initial: 'UP',
    states: {
      UP: {
        on: {
          '*': {
            actions: ({ event }) =>
              heard.push(
                event.type === 'sip.hangup'
                  ? `sip.hangup ${String('reason' in event ? event.reason : '')}`
                  : event.type === 'leg.ended'
                    ? `leg.ended${'answered' in event && event.answered ? ' (answered)' : ''}`
                    : event.type,
              ),
          },
          ...(onInvite === 'answer' ? { 'sip.invite': { actions: [({ event }) => heard.push(event.type), answer()] } } : {}),
        },
      },
    },
  });
}

function info(id: string, direction: CallInfo['direction']): CallInfo {
  return { id, direction, from: '<sip:a@127.0.0.1>', to: '<sip:b@127.0.0.1>', requestUri: 'sip:b@127.0.0.1', user: 'b', transport: 'udp' };
}

test('finish(): once — owned legs hear sip.hangup owner and end, the dialog gets BYE, the stream closes, the registry and host are told', async () => {
  const host = new RecordingHost();
  const log = pino({ level: 'silent' });
  const callerHeard: string[] = [];
  const calleeHeard: string[] = [];
  const caller = new Leg({ host, info: info('caller', 'inbound'), app, flow: recordingFlow('caller', callerHeard, 'answer'), input: {}, log });
  const call = new FakeInboundCall('b');
  const stream = new FakeStream(new FakeMedia());
  caller.attachInbound(call, stream, 'v=0 answer');
  caller.start();
  const callee = new Leg({ host, info: info('callee', 'outbound'), app, flow: recordingFlow('callee', calleeHeard), input: {}, owner: caller, log });
  caller.owned.add(callee);
  callee.start();
  call.ack();
  await flushAsync();
  assert.deepEqual(call.actions, ['200+sdp']);
  assert.equal(stream.activated, true);
  assert.deepEqual(callerHeard, ['sip.invite', 'call.started', 'call.answered']);

  caller.finish({ outcome: 'completed', reason: 'shutdown', code: 503 });
  caller.finish({ outcome: 'error', reason: 'again' });
  await flushAsync();
  assert.deepEqual(calleeHeard, ['sip.hangup owner']);
  assert.deepEqual(host.ends, [
    { id: 'callee', outcome: 'cancelled', reason: 'owner ended' },
    { id: 'caller', outcome: 'completed', reason: 'shutdown' },
  ]);
  assert.deepEqual(host.removedIds, ['callee', 'caller']);
  assert.deepEqual(call.actions, ['200+sdp', 'bye']);
  assert.equal(stream.closed, true);
  assert.equal(caller.finished, true);
  assert.equal(callee.finished, true);
  await callee.sipDone; // never had a dialog
  await caller.sipDone; // its BYE ended the dialog
});

test('an owned leg that ends tells its owner leg.ended (not answered, after its leg.failed); the owner goes on', async () => {
  const host = new RecordingHost();
  const log = pino({ level: 'silent' });
  const ownerHeard: string[] = [];
  const owner = new Leg({ host, info: info('owner', 'inbound'), app, flow: recordingFlow('owner', ownerHeard), input: {}, log });
  owner.start();
  const owned = new Leg({ host, info: info('owned', 'outbound'), app, flow: recordingFlow('owned', []), input: {}, owner, log });
  owner.owned.add(owned);
  owned.start();
  owned.dialFailed(503, 'no RTP port');
  await flushAsync();
  assert.deepEqual(ownerHeard, ['sip.invite', 'leg.failed', 'leg.ended']);
  assert.deepEqual(host.ends, [{ id: 'owned', outcome: 'failed', reason: '503' }]);
  assert.equal(owner.finished, false);
  assert.equal(owner.owned.size, 0);
});

test('an error event the flow does not take ends the call with that code’s SIP status (488 for NO_COMMON_CODEC)', async () => {
  const host = new RecordingHost();
  const leg = new Leg({
    host,
    info: info('in', 'inbound'),
    app,
    flow: createMachine({ id: 'plain', initial: 'UP', states: { UP: {} } }),
    input: {},
    log: pino({ level: 'silent' }),
  });
  const call = new FakeInboundCall('b');
  leg.attachInbound(call, new FakeStream(new FakeMedia()), 'v=0 answer');
  leg.start();
  leg.deliver({ type: 'error', code: 'NO_COMMON_CODEC', message: 'no codec', effect: 'answer' });
  await flushAsync();
  assert.deepEqual(call.actions, ['reject 488']);
  assert.deepEqual(host.ends, [{ id: 'in', outcome: 'error', reason: 'NO_COMMON_CODEC' }]);
});

test('a flow reaching its final state without answering: the inbound call is refused 480 (rejected)', async () => {
  const host = new RecordingHost();
  const leg = new Leg({
    host,
    info: info('in', 'inbound'),
    app,
    flow: createMachine({ id: 'quits', initial: 'UP', states: { UP: { on: { 'sip.invite': 'END' } }, END: { type: 'final' } } }),
    input: {},
    log: pino({ level: 'silent' }),
  });
  const call = new FakeInboundCall('b');
  leg.attachInbound(call, new FakeStream(new FakeMedia()), 'v=0 answer');
  leg.start();
  await flushAsync();
  assert.deepEqual(call.actions, ['reject 480']);
  assert.deepEqual(host.ends, [{ id: 'in', outcome: 'rejected', reason: '480' }]);
});

test('in-band DTMF detection follows the flow: on only while its state (or a parent) takes dtmf, a wildcard included', async () => {
  const host = new RecordingHost();
  const flow = createMachine({
    id: 'pin',
    initial: 'WELCOME',
    states: {
      WELCOME: { on: { 'call.started': 'ASK' } },
      ASK: {
        initial: 'PROMPT',
        on: { dtmf: 'TALK' },
        states: { PROMPT: {} },
      },
      TALK: { on: { 'sip.reinvite': 'ANY' } },
      ANY: { on: { '*': 'TALK' } },
    },
  });
  const leg = new Leg({ host, info: info('in', 'inbound'), app, flow, input: {}, log: pino({ level: 'silent' }) });
  const stream = new FakeStream(new FakeMedia());
  assert.equal(stream.inbandDtmf, true, 'a new stream detects');
  leg.attachInbound(new FakeInboundCall('b'), stream, 'v=0 answer');
  assert.equal(stream.inbandDtmf, false, 'WELCOME takes no key');
  leg.start();
  leg.deliver({ type: 'call.started' });
  assert.equal(stream.inbandDtmf, true, 'ASK.PROMPT: its parent takes keys');
  stream.injectDtmf('5', 'inband');
  assert.equal(stream.inbandDtmf, false, 'TALK takes no key');
  leg.deliver({ type: 'sip.reinvite' } as never);
  assert.equal(stream.inbandDtmf, true, 'a wildcard takes keys');
  await flushAsync();
});
