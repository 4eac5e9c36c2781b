/**
 * quizconnect_caller: imported from quizconnect_caller.dsm by `npm run import-dsm`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { setup, type AnyStateMachine } from 'xstate';
import { answer, effect, flowConfig, flush, hangup, join, play, progress, reply, sendToLeg, type EffectArgs } from '@sipflow/runtime/flow';
import { cmp, dsmActions, dsmContext, inc, isDsmEvent, legById, p, sel, v, type DsmContext, type DsmInput, type DsmExceptionEvent } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppServices } from './lookups.js';
import type { AppEvents } from './messages.js';
import { quizconnectCalleeFlow } from './quizconnect_callee.js';

const { beginEffect, defer, dialout, dsmLog, endEffect, getResult, queryFailed, repost, repostAfterEffect, setVars, sharedActions, storeRows, throwOnError } = dsmActions<DsmContext<AppConfig>, AppEvents>();

/** quizconnect_caller.dsm:29 "error opening file": its actions, in 2 transitions. */
const errorOpeningFileActions = sharedActions(
  dsmLog(0, ({ context: c, event: e }) => 'error opening file!'),
  reply(500, 'Server Internal Error'),
);

/** quizconnect_caller.dsm:35 "DB error": its actions, in 2 transitions. */
const dbErrorActions = sharedActions(
  dsmLog(0, ({ context: c, event: e }) => 'error connecting to DB!'),
  dsmLog(0, () => 'logParams'),
  reply(500, 'Server Internal Error'),
);

/** quizconnect_caller.dsm:42 "query failed": its actions, in 2 transitions. */
const queryFailedActions = sharedActions(
  dsmLog(1, ({ context: c, event: e }) => 'query failed!'),
  dsmLog(0, () => 'logParams'),
  reply(500, 'Server Internal Error'),
);

/** quizconnect_caller.dsm:49 "no results": its actions, in 2 transitions. */
const noResultsActions = sharedActions(
  dsmLog(3, ({ context: c, event: e }) => 'no results'),
  reply(404, 'Not found'),
);

/** quizconnect_caller.dsm:55 "we have results": its actions, in 2 transitions. */
const weHaveResultsActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'callee_counter': '0' })),
);

/** quizconnect_caller.dsm:62 "create one more": its actions, in 2 transitions. */
const createOneMoreActions = sharedActions(
  getResult(({ context: c, event: e }) => v(c, 'callee_counter')),
  setVars(({ context: c, event: e }) => ({ 'b_leg_caller': 'quizconnect' })),
  setVars(({ context: c, event: e }) => ({ 'b_leg_callee': v(c, 'callee') })),
  setVars(({ context: c, event: e }) => ({ 'b_leg_domain': c.config.outbound_domain })),
  setVars(({ context: c, event: e }) => ({ 'b_leg_app': 'quizconnect_callee' })),
  setVars(({ context: c, event: e }) => ({ 'b_leg_var.pin': v(c, 'pin') })),
  setVars(({ context: c, event: e }) => ({ 'b_leg_var.a_ltag': sel(c, 'local_tag') })),
  dialout('b_leg', { 'quizconnect_callee': (): AnyStateMachine => quizconnectCalleeFlow }),
  dsmLog(3, ({ context: c, event: e }) => v(c, 'b_leg_ltag')),
  setVars(({ context: c, event: e }) => ({ 'var_name': `b_ltags[${v(c, 'callee_counter')}]` })),
  setVars(({ context: c, event: e }) => ({ [v(c, 'var_name')]: v(c, 'b_leg_ltag') })),
  setVars(({ context: c, event: e }) => ({ 'b_leg_ltag': undefined })),
  setVars(({ context: c, event: e }) => ({ 'callee_counter': inc(v(c, 'callee_counter')) })),
);

/** quizconnect_caller.dsm:113 "callee got it": its actions, in 2 transitions. */
const calleeGotItActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'b_ltag': p(e, 'b_ltag') })),
  setVars(({ context: c, event: e }) => ({ 'callee_counter': '0' })),
);

/** quizconnect_caller.dsm:103 "one more to cancel": its actions, in 2 transitions. */
const oneMoreToCancelActions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'var_name': `b_ltags[${v(c, 'callee_counter')}]` })),
  setVars(({ context: c, event: e }) => ({ 'cancel_ltag': v(c, v(c, 'var_name')) })),
  setVars(({ context: c, event: e }) => ({ 'a_status': 'CANCEL' })),
  sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'cancel_ltag')), ({ context: c, event: e }) => ({ type: 'dsm.a_status', params: { 'a_status': v(c, 'a_status') } })),
  setVars(({ context: c, event: e }) => ({ 'callee_counter': inc(v(c, 'callee_counter')) })),
);

/** quizconnect_caller.dsm:123 "one more to cancel": its actions, in 2 transitions. */
const oneMoreToCancelAt123Actions = sharedActions(
  setVars(({ context: c, event: e }) => ({ 'var_name': `b_ltags[${v(c, 'callee_counter')}]` })),
  setVars(({ context: c, event: e }) => ({ 'cancel_ltag': v(c, v(c, 'var_name')) })),
  setVars(({ context: c, event: e }) => ({ 'a_status': 'CANCEL' })),
  sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'cancel_ltag')), ({ context: c, event: e }) => ({ type: 'dsm.a_status', params: { 'a_status': v(c, 'a_status') } })),
  setVars(({ context: c, event: e }) => ({ 'callee_counter': inc(v(c, 'callee_counter')) })),
);

/** quizconnect_caller.dsm:131 "canceled all": its actions, in 2 transitions. */
const canceledAllActions = sharedActions(
  flush(),
  answer(),
  join(({ context: c, event: e }) => sel(c, 'local_tag')),
);

/** quizconnect_caller.dsm:145 "BYE in other leg": its actions, in 2 transitions. */
const byeInOtherLegActions = sharedActions(
  hangup(),
);

export const quizconnectCallerFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents | DsmExceptionEvent,
  },
  actors: {
    'quizconnect_caller_25': effect(async ({ input, services }: EffectArgs<Parameters<AppServices['resources']['quizconnect_caller_25']>[0], AppServices>) =>
      services.resources.quizconnect_caller_25(input),
    ),
  },
}).createMachine(
  flowConfig({
    id: 'quizconnect.quizconnect_caller',
    initial: 'START',
    context: ({ input }) => dsmContext(input),
    // TODO(quizconnect_caller.dsm:76): DSM had no event for a dialled leg failing or ending (leg.failed, leg.ended); decide what this flow does.
    states: {
      // quizconnect_caller.dsm:7
      START: {
        on: {
          'sip.invite': [
            // quizconnect_caller.dsm:8
            {
              target: 'RUN_INVITE',
              reenter: true,
              description: 'got INVITE in caller leg',
            },
          ],
          'call.started': [
            // quizconnect_caller.dsm:9
            {
              target: 'WAIT_CALLEE',
              reenter: true,
              description: 'got session start in caller leg',
            },
          ],
        },
      },
      // quizconnect_caller.dsm:11
      RUN_INVITE: {
        entry: [
          dsmLog(2, ({ context: c, event: e }) => 'got invite!'),
          setVars(({ context: c, event: e }) => ({ 'connect_session': '0' })),
          throwOnError(),
          progress(183),
          setVars(({ context: c, event: e }) => ({ 'prompt_name': `${c.config.prompt_path}/welcome_caller.wav` })),
          play(({ context: c, event: e }) => v(c, 'prompt_name')),
          setVars(({ context: c, event: e }) => ({ 'query_key': sel(c, 'user') })),
          beginEffect(),
        ],
        // quizconnect_caller.dsm:25: mysql.query(select callee, pin from callees where caller=?)
        invoke: {
          src: 'quizconnect_caller_25',
          input: ({ context: c }) => ({ 'query_key': v(c, 'query_key') }),
          onDone: { actions: [
            storeRows(),
            repostAfterEffect(),
            endEffect(),
          ] },
          onError: { actions: [
            queryFailed(),
            repostAfterEffect(),
            endEffect(),
          ] },
        },
        exit: [
          endEffect(),
        ],
        // TODO(quizconnect_caller.dsm:11): DSM state RUN_INVITE takes a hangup only under conditions; the review asks what it does.
        on: {
          'error': [
            // quizconnect_caller.dsm:29
            {
              target: 'END',
              reenter: true,
              description: 'error opening file',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'file'),
              actions: errorOpeningFileActions,
            },
            // quizconnect_caller.dsm:35
            {
              target: 'END',
              reenter: true,
              description: 'DB error',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'connection'),
              actions: dbErrorActions,
            },
          ],
          'dsm.exception': [
            // quizconnect_caller.dsm:29
            {
              target: 'END',
              reenter: true,
              description: 'error opening file',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'file'),
              actions: errorOpeningFileActions,
            },
            // quizconnect_caller.dsm:35
            {
              target: 'END',
              reenter: true,
              description: 'DB error',
              guard: ({ context: c, event: e }) => cmp(p(e, 'type'), '==', 'connection'),
              actions: dbErrorActions,
            },
          ],
          'sip.hangup': [
            // quizconnect_caller.dsm:42
            {
              target: 'END',
              reenter: true,
              description: 'query failed',
              guard: ({ context: c, event: e }) => cmp(v(c, 'errno'), '!=', ''),
              actions: queryFailedActions,
            },
            // quizconnect_caller.dsm:49
            {
              target: 'END',
              reenter: true,
              description: 'no results',
              guard: ({ context: c, event: e }) => cmp(v(c, 'db.rows'), '==', '0'),
              actions: noResultsActions,
            },
            // quizconnect_caller.dsm:55
            {
              target: 'CREATE_CALLEE_LEGS',
              reenter: true,
              description: 'we have results',
              guard: ({ context: c, event: e }) => cmp(v(c, 'db.rows'), '!=', '0'),
              actions: weHaveResultsActions,
            },
          ],
          '*': [
            // the query is running: this event waits for it
            { guard: ({ context: c, event: e }) => c.busy && isDsmEvent(e) && e.type !== 'sip.hangup', actions: defer() },
            // quizconnect_caller.dsm:42
            {
              target: 'END',
              reenter: true,
              description: 'query failed',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'errno'), '!=', ''),
              actions: queryFailedActions,
            },
            // quizconnect_caller.dsm:49
            {
              target: 'END',
              reenter: true,
              description: 'no results',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'db.rows'), '==', '0'),
              actions: noResultsActions,
            },
            // quizconnect_caller.dsm:55
            {
              target: 'CREATE_CALLEE_LEGS',
              reenter: true,
              description: 'we have results',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'db.rows'), '!=', '0'),
              actions: weHaveResultsActions,
            },
          ],
        },
      },
      // quizconnect_caller.dsm:57
      CREATE_CALLEE_LEGS: {
        entry: [
          repost(),
        ],
        // TODO(quizconnect_caller.dsm:57): DSM state CREATE_CALLEE_LEGS takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // quizconnect_caller.dsm:62
            {
              target: 'CREATE_CALLEE_LEGS',
              reenter: true,
              description: 'create one more',
              guard: ({ context: c, event: e }) => cmp(v(c, 'callee_counter'), '<', v(c, 'db.rows')),
              actions: createOneMoreActions,
            },
            // quizconnect_caller.dsm:89
            {
              target: 'WAIT_CALLEE',
              reenter: true,
              description: 'done creating callee legs',
              guard: ({ context: c, event: e }) => cmp(v(c, 'callee_counter'), '==', v(c, 'db.rows')),
            },
          ],
          '*': [
            // quizconnect_caller.dsm:62
            {
              target: 'CREATE_CALLEE_LEGS',
              reenter: true,
              description: 'create one more',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'callee_counter'), '<', v(c, 'db.rows')),
              actions: createOneMoreActions,
            },
            // quizconnect_caller.dsm:89
            {
              target: 'WAIT_CALLEE',
              reenter: true,
              description: 'done creating callee legs',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'callee_counter'), '==', v(c, 'db.rows')),
            },
          ],
        },
      },
      // quizconnect_caller.dsm:91
      WAIT_CALLEE: {
        on: {
          'sip.hangup': [
            // quizconnect_caller.dsm:93
            {
              target: 'CANCEL_CALLEES',
              reenter: true,
              description: 'CANCEL received',
              actions: [
                reply(487, 'Request Terminated'),
                setVars(({ context: c, event: e }) => ({ 'callee_counter': '0' })),
              ],
            },
            // quizconnect_caller.dsm:113
            {
              target: 'CANCEL_OTHER_CALLEES',
              reenter: true,
              description: 'callee got it',
              guard: ({ context: c, event: e }) => cmp(p(e, 'b_status'), '==', 'MATCHED'),
              actions: calleeGotItActions,
            },
          ],
          '*': [
            // quizconnect_caller.dsm:113
            {
              target: 'CANCEL_OTHER_CALLEES',
              reenter: true,
              description: 'callee got it',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(p(e, 'b_status'), '==', 'MATCHED'),
              actions: calleeGotItActions,
            },
          ],
        },
      },
      // quizconnect_caller.dsm:98
      CANCEL_CALLEES: {
        entry: [
          repost(),
        ],
        // TODO(quizconnect_caller.dsm:98): DSM state CANCEL_CALLEES takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // quizconnect_caller.dsm:103
            {
              target: 'CANCEL_CALLEES',
              reenter: true,
              description: 'one more to cancel',
              guard: ({ context: c, event: e }) => cmp(v(c, 'callee_counter'), '<', v(c, 'db.rows')),
              actions: oneMoreToCancelActions,
            },
            // quizconnect_caller.dsm:111
            {
              target: 'END',
              reenter: true,
              description: 'canceled all',
              guard: ({ context: c, event: e }) => cmp(v(c, 'callee_counter'), '==', v(c, 'db.rows')),
            },
          ],
          '*': [
            // quizconnect_caller.dsm:103
            {
              target: 'CANCEL_CALLEES',
              reenter: true,
              description: 'one more to cancel',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'callee_counter'), '<', v(c, 'db.rows')),
              actions: oneMoreToCancelActions,
            },
            // quizconnect_caller.dsm:111
            {
              target: 'END',
              reenter: true,
              description: 'canceled all',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'callee_counter'), '==', v(c, 'db.rows')),
            },
          ],
        },
      },
      // quizconnect_caller.dsm:118
      CANCEL_OTHER_CALLEES: {
        entry: [
          repost(),
        ],
        // TODO(quizconnect_caller.dsm:118): DSM state CANCEL_OTHER_CALLEES takes a hangup only under conditions; the review asks what it does.
        on: {
          'sip.hangup': [
            // quizconnect_caller.dsm:123
            {
              target: 'CANCEL_OTHER_CALLEES',
              reenter: true,
              description: 'one more to cancel',
              guard: ({ context: c, event: e }) => cmp(v(c, 'callee_counter'), '<', v(c, 'db.rows')),
              actions: oneMoreToCancelAt123Actions,
            },
            // quizconnect_caller.dsm:131
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'canceled all',
              guard: ({ context: c, event: e }) => cmp(v(c, 'callee_counter'), '==', v(c, 'db.rows')),
              actions: canceledAllActions,
            },
          ],
          '*': [
            // quizconnect_caller.dsm:123
            {
              target: 'CANCEL_OTHER_CALLEES',
              reenter: true,
              description: 'one more to cancel',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'callee_counter'), '<', v(c, 'db.rows')),
              actions: oneMoreToCancelAt123Actions,
            },
            // quizconnect_caller.dsm:131
            {
              target: 'CONNECTED',
              reenter: true,
              description: 'canceled all',
              guard: ({ context: c, event: e }) => isDsmEvent(e) && cmp(v(c, 'callee_counter'), '==', v(c, 'db.rows')),
              actions: canceledAllActions,
            },
          ],
        },
      },
      // quizconnect_caller.dsm:137
      CONNECTED: {
        on: {
          'sip.hangup': [
            // quizconnect_caller.dsm:139
            {
              target: 'END',
              reenter: true,
              description: 'BYE received',
              actions: [
                setVars(({ context: c, event: e }) => ({ 'a_status': 'BYE' })),
                sendToLeg(({ context: c, event: e }) => legById<AppEvents>(v(c, 'b_ltag')), ({ context: c, event: e }) => ({ type: 'dsm.a_status', params: { 'a_status': v(c, 'a_status') } })),
              ],
            },
          ],
          'dsm.b_status.b_ltag': [
            // quizconnect_caller.dsm:145
            {
              target: 'END',
              reenter: true,
              description: 'BYE in other leg',
              guard: ({ context: c, event: e }) => cmp(p(e, 'b_status'), '==', 'BYE'),
              actions: byeInOtherLegActions,
            },
          ],
          'dsm.b_status': [
            // quizconnect_caller.dsm:145
            {
              target: 'END',
              reenter: true,
              description: 'BYE in other leg',
              guard: ({ context: c, event: e }) => cmp(p(e, 'b_status'), '==', 'BYE'),
              actions: byeInOtherLegActions,
            },
          ],
        },
      },
      // quizconnect_caller.dsm:149
      END: {
        type: 'final',
      },
    },
  }),
);
