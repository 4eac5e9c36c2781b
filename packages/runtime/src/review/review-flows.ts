/**
 * Review the flows of one app: describe each machine, run the rules, render one Markdown page per flow.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import type { FlowGraph } from './flow-graph-types.js';
import { describeFlow } from './flow-graph.js';
import { reviewGraphs, type ReviewFinding, type ReviewOptions } from './checks.js';
import { checkFlowPaths, type PathCheckResult, type PathFixtures } from './path-check.js';
import { renderFlowDoc } from './markdown.js';

export interface FlowReview {
  app: string;
  graphs: Record<string, FlowGraph>;
  findings: ReviewFinding[];
  /** Markdown page per flow name. */
  docs: Record<string, string>;
  /** Path checks per flow name (when asked for). */
  paths: Record<string, PathCheckResult>;
  /** True when there are no findings. */
  ok: boolean;
}

/**
 * @example
 * const review = reviewFlows('quizconnect', { caller, callee }, { legMessages });
 * if (!review.ok) console.error(review.findings);
 */
export interface FlowReviewOptions extends ReviewOptions {
  /** Play every path of every flow through testFlow() (see path-check.ts). Default: no path checks. */
  paths?: { fixtures?: PathFixtures; defaultConfig?: unknown };
}

export function reviewFlows(app: string, flows: Record<string, AnyStateMachine>, options: FlowReviewOptions = {}): FlowReview {
  const graphs: Record<string, FlowGraph> = {};
  for (const [name, machine] of Object.entries(flows)) graphs[name] = describeFlow(machine);
  const findings = reviewGraphs(graphs, options);
  const paths: Record<string, PathCheckResult> = {};
  if (options.paths) {
    for (const [name, machine] of Object.entries(flows)) {
      const result = checkFlowPaths(name, machine, options.paths.fixtures?.[name], options.paths.defaultConfig);
      paths[name] = result;
      for (const f of result.failures) {
        findings.push({ rule: 'failing-path', flow: name, message: `${f.message}; reproduce with:\n${f.script}` });
      }
    }
  }
  const docs: Record<string, string> = {};
  for (const [flow, graph] of Object.entries(graphs)) {
    docs[flow] = renderFlowDoc({ app, flow, graph, findings: findings.filter((f) => f.flow === flow), paths: paths[flow] });
  }
  return { app, graphs, findings, docs, paths, ok: findings.length === 0 };
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
