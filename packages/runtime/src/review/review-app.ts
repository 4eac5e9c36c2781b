/**
 * `npm run review -- <app>`, as a function: load the app, read its leg messages from the types, review, write docs.
 */
import { relative } from 'node:path';
import { loadAppFlows } from './load-app.js';
import { scanLegMessageTypes } from './leg-message-types.js';
import { reviewFlows, staleFlowDocs, writeFlowDocs, type FlowReview } from './review-flows.js';
import type { LegMessage } from './checks.js';

export interface ReviewAppOptions {
  /** Where apps live. Default 'apps'. */
  appsDir?: string;
  /** Where the pages go. Default 'docs/flows'. */
  outDir?: string;
  /** Skip the TypeScript scan of leg messages (rule 3). Default false. */
  skipTypes?: boolean;
  /** Do not write: report the pages that differ from the committed ones in `stale` (for CI). Default false. */
  check?: boolean;
}

export interface AppReviewResult {
  review: FlowReview;
  written: string[];
  /** With `check`: pages missing or out of date. */
  stale: string[];
  /** Notes that are not findings (e.g. a machine the type scan could not read). */
  notes: string[];
}

export async function reviewApp(name: string, options: ReviewAppOptions = {}): Promise<AppReviewResult> {
  const app = await loadAppFlows(name, options.appsDir);
  const notes: string[] = [];
  const legMessages: LegMessage[] = [];
  if (!options.skipTypes) {
    const scan = scanLegMessageTypes([app.entry], app.dir);
    notes.push(...scan.problems.map((p) => `type scan: ${p}`));
    for (const [flow, machine] of Object.entries(app.flows)) {
      const found = scan.flows.find((f) => f.machineId === machine.id);
      if (!found) {
        notes.push(`type scan: no createMachine({ id: '${machine.id}' }) found for flow '${flow}'; its leg messages are not checked`);
        continue;
      }
      for (const event of found.messages) legMessages.push({ to: flow, event });
    }
  }
  const review = reviewFlows(name, app.flows, { legMessages });
  const outDir = options.outDir ?? 'docs/flows';
  const rel = (paths: string[]) => paths.map((p) => relative(process.cwd(), p));
  if (options.check) return { review, written: [], stale: rel(await staleFlowDocs(review, outDir)), notes };
  return { review, written: rel(await writeFlowDocs(review, outDir)), stale: [], notes };
}
