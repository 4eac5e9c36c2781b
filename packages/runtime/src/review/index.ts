export type { FlowGraph, FlowState, FlowStateType, FlowTransition, FlowTransitionKind } from './flow-graph-types.js';
export { describeFlow, statePath, guardText } from './flow-graph.js';
export {
  reviewGraphs,
  reachableStates,
  checkUnreachable,
  checkHangupHandled,
  checkLegMessages,
  eventMatches,
  type ReviewFinding,
  type ReviewRule,
  type ReviewOptions,
  type LegMessage,
} from './checks.js';
export { toMermaid, mermaidId, transitionLabel } from './mermaid.js';
export { renderFlowDoc, type FlowDocInput } from './markdown.js';
export { reviewFlows, writeFlowDocs, type FlowReview } from './review-flows.js';
