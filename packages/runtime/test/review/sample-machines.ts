/** Tiny machines for the review tests: one clean flow, one per defect. */
import { setup, and, not } from 'xstate';

type Ev =
  | { type: 'sip.invite' }
  | { type: 'sip.hangup'; reason: 'bye' | 'cancel' | 'timeout' }
  | { type: 'dtmf'; key: string }
  | { type: 'leg.connected' }
  | { type: 'leg.pinOk' };

const base = setup({
  types: { events: {} as Ev },
  guards: { pinMatches: () => true, isLast: () => false },
  actions: { answer: () => {}, play: () => {}, hangup: () => {} },
});

/** Everything reachable, hangup handled on the root, one compound state. */
export const clean = base.createMachine({
  id: 'clean',
  initial: 'IDLE',
  on: { 'sip.hangup': { target: '.DONE', description: 'caller hung up' } },
  states: {
    IDLE: { on: { 'sip.invite': { target: 'ANSWERED', actions: 'answer', description: 'answer' } } },
    ANSWERED: {
      initial: 'prompting',
      states: {
        prompting: { on: { dtmf: { target: 'checking', description: 'key pressed' } } },
        checking: {
          always: [
            { guard: and(['pinMatches', not('isLast')]), target: '#clean.CONNECTED', description: 'pin matches' },
            { target: 'prompting', actions: 'play', description: 'pin wrong' },
          ],
        },
      },
    },
    CONNECTED: { on: { 'leg.connected': { actions: 'play' } }, after: { 30000: { target: 'DONE', actions: 'hangup', description: 'time is up' } } },
    DONE: { type: 'final' },
  },
});

/** ORPHAN has no way in. */
export const unreachable = base.createMachine({
  id: 'unreachable',
  initial: 'IDLE',
  on: { 'sip.hangup': '.DONE' },
  states: {
    IDLE: { on: { 'sip.invite': 'DONE' } },
    ORPHAN: { on: { dtmf: 'DONE' } },
    DONE: { type: 'final' },
  },
});

/** WAITING does not handle sip.hangup, and nothing above it does; PLAYING handles it only under a guard. */
export const hangupLeak = base.createMachine({
  id: 'hangupLeak',
  initial: 'IDLE',
  states: {
    IDLE: { on: { 'sip.invite': 'WAITING', 'sip.hangup': 'DONE' } },
    WAITING: { on: { dtmf: 'PLAYING' } },
    PLAYING: { on: { 'sip.hangup': { guard: 'pinMatches', target: 'DONE' }, dtmf: 'DONE' } },
    DONE: { type: 'final' },
  },
});

/** A callee flow that handles leg.connected but not leg.pinOk. */
export const callee = base.createMachine({
  id: 'callee',
  initial: 'RINGING',
  on: { 'sip.*': '.DONE' },
  states: {
    RINGING: { on: { 'leg.connected': 'DONE' } },
    DONE: { type: 'final' },
  },
});
