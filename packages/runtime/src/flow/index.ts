/**
 * The flow DSL: call events, building blocks for XState `setup()`, legs, effects, and the test harness.
 */
export type {
  CallEvent,
  CallEventType,
  SipInviteEvent,
  CallStartedEvent,
  CallAnsweredEvent,
  CallRingingEvent,
  CallFailedEvent,
  CallHeldEvent,
  CallResumedEvent,
  DtmfKeyEvent,
  HangupReason,
  SipHangupEvent,
  PlaylistEndedEvent,
  PromptQueuedEvent,
  FlowErrorEvent,
  LegRingingEvent,
  LegAnsweredEvent,
  LegFailedEvent,
  LegEndedEvent,
} from './events.js';
export { CALL_EVENT_TYPES, isRuntimeEventType, type RuntimeCallEventType } from './call-event-types.js';
export type { FlowCommand, FlowCommandType, CallPort } from './commands.js';
export type { LegRef, LegMessageOf, DialLeg, DialTarget, FlowInput, CallInfo, OwnInput } from './leg-ref.js';
export { leg, sameLeg, newLegId } from './leg-ref.js';
export type { Expr, PromptAction } from './actions.js';
export {
  reply,
  progress,
  answer,
  play,
  flush,
  join,
  leave,
  hangup,
  dial,
  hangupLeg,
  sendToLeg,
  hold,
  resume,
  sendInfo,
  sendDtmf,
} from './actions.js';
export type { FlowServices } from './flow-services.js';
export type { EffectArgs, Effect } from './services.js';
export { effect, errorCode } from './services.js';
export { FlowError, flowErrors, flowErrorStatus, toFlowError, type FlowErrorCode } from './errors.js';
export { bindPort, bindServices, portOf, servicesOf } from './port-binding.js';
export { StateGraphRecorder, stateToString, type StateGraphStep } from './state-graph.js';
export { flowConfig, type InvalidTargets } from './targets.js';
export { setup, type FlowSetup, type CheckedFlowConfig } from './flow-setup.js';
export { declaredPrompts } from './flow-prompts.js';
export { testFlow, FlowTest, type TestFlowOptions } from './testing.js';
