/**
 * `npm run review -- <app>`, as a function: load the app, read its leg messages from the types, review, write docs.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableApps } from '../app/app-loader.js';
import { assertFlowIdsUnique, type AppFlowIds } from '../app/flow-ids.js';
import { loadAppFlows, type LoadedAppFlows } from './load-app.js';
import { scanLegMessageTypes } from './leg-message-types.js';
import { reviewFlows, staleFlowDocs, writeFlowDocs, type FlowReview } from './review-flows.js';
import type { LegMessage, ReviewFinding } from './checks.js';
import { AppLoadError } from '../app/errors.js';
import type { PathFixtures } from './path-check.js';

export interface ReviewAppOptions {
  /** Where apps live (resolved against the working directory). Default: the repository's apps/. */
  appsDir?: string;
  /** Where the pages go: `<outDir>/<app>/<flow>.md`. Default 'docs/flows'. */
  outDir?: string;
  /** Skip the path checks. Default false. */
  skipPaths?: boolean;
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
  const declaredEvents: Record<string, string[]> = {};
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
      declaredEvents[flow] = found.events;
    }
  }
  const paths = options.skipPaths
    ? undefined
    : { fixtures: await loadPathFixtures(app.dir), defaultConfig: defaultConfigOf(app.configSchema, notes) };
  const review = reviewFlows(name, app.flows, { legMessages, declaredEvents, ...(paths ? { paths } : {}) });
  const clashes = await flowIdClashesInFolder(app, options.appsDir, notes);
  if (clashes.length) {
    review.findings.push(...clashes);
    review.ok = false;
  }
  const outDir = join(options.outDir ?? 'docs/flows', name);
  const rel = (paths: string[]) => paths.map((p) => relative(process.cwd(), p));
  if (options.check) return { review, written: [], stale: rel(await staleFlowDocs(review, outDir)), notes };
  return { review, written: rel(await writeFlowDocs(review, outDir)), stale: [], notes };
}

/** Rule duplicate-flow-id: a flow of this app has the id of a flow of another app of the folder (FLOW_ID_TAKEN's message). */
async function flowIdClashesInFolder(app: LoadedAppFlows, appsDir: string | undefined, notes: string[]): Promise<ReviewFinding[]> {
  const others: AppFlowIds[] = [];
  for (const other of availableApps(appsDir)) {
    if (other === app.name) continue;
    try {
      others.push({ app: other, flows: (await loadAppFlows(other, appsDir)).flows });
    } catch (err) {
      notes.push(
        `flow ids: app '${other}' could not be loaded to compare flow ids (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      );
    }
  }
  const findings: ReviewFinding[] = [];
  for (const [flow, machine] of Object.entries(app.flows)) {
    try {
      assertFlowIdsUnique({ app: app.name, flows: { [flow]: machine } }, others);
    } catch (err) {
      if (!(err instanceof AppLoadError)) throw err;
      findings.push({ rule: 'duplicate-flow-id', flow, message: err.message });
    }
  }
  return findings;
}

/** The app's path fixtures: `pathFixtures` exported by `src/review-paths.ts`, when the app has that file. */
async function loadPathFixtures(dir: string): Promise<PathFixtures | undefined> {
  const file = join(dir, 'src', 'review-paths.ts');
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { pathFixtures?: PathFixtures };
  return mod.pathFixtures;
}

/** The config every default of the schema gives (what `npm run app <name>` runs with when nothing is set). */
function defaultConfigOf(schema: { parse(value: unknown): unknown } | undefined, notes: string[]): unknown {
  if (!schema) return undefined;
  try {
    return schema.parse({});
  } catch (err) {
    notes.push(
      `path checks: the config schema has required keys, paths run with no config (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    );
    return undefined;
  }
}
