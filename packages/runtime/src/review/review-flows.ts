/**
 * Review the flows of one app: describe each machine, run the rules, render one Markdown page per flow.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import type { FlowGraph } from './flow-graph-types.js';
import { describeFlow } from './flow-graph.js';
import { reviewGraphs, type ReviewFinding, type ReviewOptions } from './checks.js';
import { renderFlowDoc } from './markdown.js';

export interface FlowReview {
  app: string;
  graphs: Record<string, FlowGraph>;
  findings: ReviewFinding[];
  /** Markdown page per flow name. */
  docs: Record<string, string>;
  /** True when there are no findings. */
  ok: boolean;
}

/**
 * @example
 * const review = reviewFlows('quizconnect', { caller, callee }, { legMessages });
 * if (!review.ok) console.error(review.findings);
 */
export function reviewFlows(app: string, flows: Record<string, AnyStateMachine>, options: ReviewOptions = {}): FlowReview {
  const graphs: Record<string, FlowGraph> = {};
  for (const [name, machine] of Object.entries(flows)) graphs[name] = describeFlow(machine);
  const findings = reviewGraphs(graphs, options);
  const docs: Record<string, string> = {};
  for (const [flow, graph] of Object.entries(graphs)) {
    docs[flow] = renderFlowDoc({ app, flow, graph, findings: findings.filter((f) => f.flow === flow) });
  }
  return { app, graphs, findings, docs, ok: findings.length === 0 };
}

/** Write `<dir>/<flow>.md` for every flow; returns the paths written. */
export async function writeFlowDocs(review: FlowReview, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [flow, markdown] of Object.entries(review.docs)) {
    const path = join(dir, `${flow}.md`);
    await writeFile(path, markdown);
    written.push(path);
  }
  return written;
}

/** Pages under `dir` that differ from what the review generates now (missing ones included). */
export async function staleFlowDocs(review: FlowReview, dir: string): Promise<string[]> {
  const stale: string[] = [];
  for (const [flow, markdown] of Object.entries(review.docs)) {
    const path = join(dir, `${flow}.md`);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current !== markdown) stale.push(path);
  }
  return stale;
}
