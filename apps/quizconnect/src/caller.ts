/**
 * quizconnect's caller leg (the tutorial's quizconnect_caller.dsm). The dialled user U is looked up FIRST, so
 * "no rows" is a clean 404 before any 183 (in SEMS the 404 path never fired); then 183 + the welcome prompt as
 * early media, one callee leg per row, and the first callee to type its PIN is connected: 200 OK (same SDP as
 * the 183) and one conference room for the two legs.
 *
 * START ─got INVITE─▶ RUN_INVITE.LOOKUP ─we have results─▶ RUN_INVITE.WELCOME ─prompt playing─▶ CREATE_CALLEE_LEGS
 *   ─done creating callee legs─▶ WAIT_CALLEE ─callee got it─▶ CANCEL_OTHER_CALLEES ─canceled all─▶ CONNECTED ─BYE─▶ END
 * WAIT_CALLEE ─CANCEL received─▶ CANCEL_CALLEES ─canceled all─▶ END;  ─ring timeout / all callees failed (480)─▶ END
 */
import { assign } from 'xstate';
import {
  setup,
  answer,
  dial,
  effect,
  flowErrorStatus,
  flush,
  hangup,
  hangupLeg,
  join,
  leg,
  play,
  progress,
  reply,
  sameLeg,
  sendToLeg,
  type DialLeg,
  type EffectArgs,
  type FlowInput,
  type FlowServices,
  type LegRef,
} from '@sipflow/runtime/flow';
import type { CalleeRow } from '@sipflow/lookup';
import { calleeFlow } from './callee.js';
import type { QuizConfig } from './config.js';
import { logEvent } from './log-action.js';
import { quizPrompts } from './prompts.js';
import type { CalleeEvents, CallerEvents } from './messages.js';
import type { QuizResources } from './resources.js';
import { sipUser } from './sip-user.js';

export type QuizServices = FlowServices<QuizConfig, QuizResources>;
export type CallerInput = FlowInput<QuizConfig, CallerEvents>;

export interface CallerContext {
  config: QuizConfig;
  self: LegRef<CallerEvents>;
  /** The dialled user (the tutorial's @user, its $query_key). */
  user: string;
  /** Rows found for `user` (the tutorial's $db.rows). */
  rows: CalleeRow[];
  /** Every callee leg dialled (the tutorial's $b_ltags[0..n], without the variable-name trickery). */
  legs: Array<DialLeg<CalleeEvents>>;
  /** Callee legs that have not ended yet. */
  live: Array<DialLeg<CalleeEvents>>;
  /** The callee that typed its PIN first (the tutorial's $b_ltag). */
  winner: LegRef<CalleeEvents> | undefined;
}

/** The callee legs for the rows found: the PIN goes into the callee flow's input, never into SIP. */
export function calleeLegs(context: Pick<CallerContext, 'config' | 'self'>, rows: readonly CalleeRow[]): Array<DialLeg<CalleeEvents>> {
  const { config } = context;
  const credentials =
    config.outbound_auth_user !== undefined && config.outbound_auth_password !== undefined
      ? { credentials: { username: config.outbound_auth_user, password: config.outbound_auth_password } }
      : {};
  return rows.map((row) =>
    leg(calleeFlow, {
      to: `sip:${sipUser(row.callee)}@${config.outbound_domain}`,
      from: { user: config.from_user },
      ...credentials,
      input: { pin: row.pin, caller: context.self },
    }),
  );
}

/** The callee lookup; it fails with LOOKUP_CONNECT (database unreachable) or LOOKUP_QUERY (the statement failed). */
export const lookup = effect(async ({ input, services }: EffectArgs<{ user: string }, QuizServices>) => services.resources.calleesFor(input.user), {
  errors: ['LOOKUP_CONNECT', 'LOOKUP_QUERY'],
});

const isLive = (context: CallerContext, l: LegRef<never>): boolean => context.live.some((x) => sameLeg(x, l));

export const callerFlow = setup({
  prompts: quizPrompts,
  types: {
    input: {} as CallerInput,
    context: {} as CallerContext,
    events: {} as CallerEvents,
  },
  actors: { lookup },
  delays: {
    ringTimeout: ({ context }) => context.config.ring_timeout * 1000,
  },
  guards: {
    noRows: (_, params: { rows: readonly CalleeRow[] }) => params.rows.length === 0,
  },
}).createMachine({
  id: 'quizconnect_caller',
  initial: 'START',
  context: ({ input }) => ({
    config: input.config,
    self: input.self,
    user: input.call.user,
    rows: [],
    legs: [],
    live: [],
    winner: undefined,
  }),
  on: {
    // C6: the caller gave up (CANCEL before answer; the runtime has answered 200 + 487). Every callee leg ends.
    'sip.hangup': { target: '.CANCEL_CALLEES', description: 'CANCEL received' },
    error: [
      // A callee leg that could not be placed reports leg.failed too; that is where it is counted (B2).
      {
        guard: ({ event }) => event.code === 'DIALOUT_FAILED',
        actions: logEvent('warn', ({ event }) => ({ msg: 'a callee leg could not be placed', error: event.message })),
      },
      // B6: anything else unexpected ends the call with a proper answer (500 before answer, BYE after) and its legs.
      {
        target: '.END',
        description: 'unexpected failure',
        actions: [
          logEvent('error', ({ event }) => ({ msg: 'caller leg failed unexpectedly', code: event.code, effect: event.effect, error: event.message })),
          hangupLeg(({ context }) => context.live),
          hangup(({ event }) => flowErrorStatus[event.code]),
        ],
      },
    ],
  },
  states: {
    START: {
      on: { 'sip.invite': { target: 'RUN_INVITE', description: 'got INVITE in caller leg' } },
    },
    RUN_INVITE: {
      initial: 'LOOKUP',
      on: {
        // C2 (the tutorial's exception transition): no callee leg exists yet, nothing else to undo.
        error: [
          {
            guard: ({ event }) => event.code === 'PROMPT_UNREADABLE',
            target: 'END',
            description: 'error opening file',
            actions: [
              logEvent('error', ({ event, context }) => ({
                msg: 'error opening file',
                prompt_path: context.config.prompt_path,
                error: event.message,
              })),
              reply(500),
            ],
          },
          {
            target: 'END',
            description: 'unexpected failure',
            actions: [
              logEvent('error', ({ event }) => ({ msg: 'cannot accept the call', code: event.code, effect: event.effect, error: event.message })),
              reply(({ event }) => flowErrorStatus[event.code]),
            ],
          },
        ],
      },
      states: {
        LOOKUP: {
          invoke: {
            src: 'lookup',
            input: ({ context }) => ({ user: context.user }),
            onDone: [
              // C4: before any 183, so the caller sees a plain 404.
              {
                guard: { type: 'noRows', params: ({ event }) => ({ rows: event.output }) },
                target: '#quizconnect_caller.END',
                description: 'no results',
                actions: [logEvent('info', ({ context }) => ({ msg: 'no results', user: context.user })), reply(404)],
              },
              {
                target: 'WELCOME',
                description: 'we have results',
                actions: [
                  assign({ rows: ({ event }) => event.output }),
                  logEvent('info', ({ event, context }) => ({
                    msg: 'we have results',
                    user: context.user,
                    callees: event.output.map((r) => r.callee),
                  })),
                ],
              },
            ],
            // C3: both answer 500; the log says which (LOOKUP_CONNECT vs LOOKUP_QUERY).
            onError: [
              {
                guard: lookup.failedWith('LOOKUP_QUERY'),
                target: '#quizconnect_caller.END',
                description: 'query failed',
                actions: [
                  logEvent('error', ({ event }) => ({
                    msg: 'query failed',
                    code: 'LOOKUP_QUERY',
                    error: String((event.error as Error)?.message ?? event.error),
                  })),
                  reply(500),
                ],
              },
              {
                target: '#quizconnect_caller.END',
                description: 'DB error',
                actions: [
                  logEvent('error', ({ event }) => ({
                    msg: 'error connecting to DB',
                    code: lookup.codeOf(event.error),
                    error: String((event.error as Error)?.message ?? event.error),
                  })),
                  reply(500),
                ],
              },
            ],
          },
        },
        // C1: 183 with our SDP answer, welcome prompt as early media. Dial only once the prompt is known good (C2).
        WELCOME: {
          entry: [progress(183), play('welcome_caller.wav')],
          on: { 'prompt.queued': { target: '#quizconnect_caller.CREATE_CALLEE_LEGS', description: 'prompt playing' } },
        },
      },
    },
    // C5: one outbound INVITE per row (the tutorial looped here with repost(); one dial of all rows does it).
    CREATE_CALLEE_LEGS: {
      entry: [
        assign(({ context }) => {
          const legs = calleeLegs(context, context.rows);
          return { legs, live: legs };
        }),
        dial(({ context }) => context.legs),
      ],
      always: { target: 'WAIT_CALLEE', description: 'done creating callee legs' },
    },
    WAIT_CALLEE: {
      after: {
        // B1: nobody typed the PIN in time.
        ringTimeout: {
          target: 'END',
          description: 'ring timeout',
          actions: [hangupLeg(({ context }) => context.live), reply(480)],
        },
      },
      on: {
        'callee.matched': [
          {
            guard: ({ context, event }) => isLive(context, event.leg),
            target: 'CANCEL_OTHER_CALLEES',
            description: 'callee got it',
            actions: assign({ winner: ({ event }) => event.leg }),
          },
          // A leg that has already ended cannot win.
          { actions: hangupLeg(({ event }) => event.leg) },
        ],
        // B2/B3: a callee leg failed or hung up; when it was the last one, 480 at once.
        'leg.failed': [
          {
            guard: ({ context, event }) => isLive(context, event.leg) && context.live.length === 1,
            target: 'END',
            description: 'all callees failed',
            actions: reply(480),
          },
          {
            guard: ({ context, event }) => isLive(context, event.leg),
            description: 'callee leg failed',
            actions: assign({ live: ({ context, event }) => context.live.filter((l) => !sameLeg(l, event.leg)) }),
          },
        ],
        'leg.ended': [
          {
            guard: ({ context, event }) => isLive(context, event.leg) && context.live.length === 1,
            target: 'END',
            description: 'all callees failed',
            actions: reply(480),
          },
          {
            guard: ({ context, event }) => isLive(context, event.leg),
            description: 'callee leg ended',
            actions: assign({ live: ({ context, event }) => context.live.filter((l) => !sameLeg(l, event.leg)) }),
          },
        ],
      },
    },
    // C6 / E5: the tutorial posted a_status=CANCEL to each $b_ltags[i]; the owner ends its legs (CANCEL or BYE).
    CANCEL_CALLEES: {
      entry: hangupLeg(({ context }) => context.live),
      always: { target: 'END', description: 'canceled all' },
    },
    // C7 / E5 / B4: end every other callee leg, then answer and join the room named after this leg.
    CANCEL_OTHER_CALLEES: {
      entry: hangupLeg(({ context }) => context.live.filter((l) => !sameLeg(l, context.winner))),
      always: {
        target: 'CONNECTED',
        description: 'canceled all',
        actions: [
          assign({ live: ({ context }) => context.live.filter((l) => sameLeg(l, context.winner)) }),
          flush(),
          answer(),
          join(({ context }) => context.self.id),
          sendToLeg(
            ({ context }) => context.winner,
            ({ context }) => ({ type: 'caller.connect', room: context.self.id }),
          ),
        ],
      },
    },
    CONNECTED: {
      on: {
        // C8: BYE from the caller → BYE to the callee.
        'sip.hangup': { target: 'END', description: 'BYE received', actions: hangupLeg(({ context }) => context.winner) },
        // C8: BYE from the callee → BYE to the caller.
        'leg.ended': {
          guard: ({ context, event }) => sameLeg(context.winner, event.leg),
          target: 'END',
          description: 'BYE in other leg',
          actions: hangup(),
        },
        'leg.failed': {
          guard: ({ context, event }) => sameLeg(context.winner, event.leg),
          target: 'END',
          description: 'BYE in other leg',
          actions: hangup(),
        },
        // B4: a second callee matched a moment later: it is ended, never a three-party room.
        'callee.matched': {
          guard: ({ context, event }) => !sameLeg(context.winner, event.leg),
          description: 'another callee was too late',
          actions: hangupLeg(({ event }) => event.leg),
        },
      },
    },
    END: { type: 'final' },
  },
});
