export type { FlowGraph, FlowState, FlowStateType, FlowTransition, FlowTransitionKind } from './flow-graph-types.js';
export { describeFlow, statePath, guardText } from './flow-graph.js';
export {
  reviewGraphs,
  reachableStates,
  checkUnreachable,
  checkHangupHandled,
  checkLegMessages,
  checkUnsupported,
  checkDeclaredEvents,
  eventMatches,
  type ReviewFinding,
  type ReviewRule,
  type ReviewOptions,
  type LegMessage,
} from './checks.js';
export { toMermaid, mermaidId, transitionLabel } from './mermaid.js';
export { renderFlowDoc, type FlowDocInput } from './markdown.js';
export { reviewFlows, writeFlowDocs, staleFlowDocs, type FlowReview, type FlowReviewOptions } from './review-flows.js';
export { scanLegMessageTypes, type FlowMessageTypes, type LegMessageScan } from './leg-message-types.js';
export { loadAppFlows, type LoadedAppFlows } from './load-app.js';
export { reviewApp, type ReviewAppOptions, type AppReviewResult } from './review-app.js';
export { checkFlowPaths, type PathFixture, type PathFixtures, type PathFailure, type PathCheckResult } from './path-check.js';
