/**
 * Parsed DSM scripts → the files of one sipflow app (path → content). Pure: writing them is import-app.ts's job.
 */
import type { DsmScript } from '../ast.js';
import { dsmErrors } from '../errors.js';
import { collectMessages } from './actions.js';
import {
  b2bCalleeFile,
  buildConfig,
  configFile,
  indexFile,
  lookupsFile,
  messagesFile,
  packageJson,
  readmeFile,
  reviewPathsFile,
} from './app-files.js';
import { B2B_CALLEE, flowConstName, newAppFacts, type AppFacts } from './context.js';
import { translateFlow } from './flow.js';

export interface TranslatedApp {
  /** Relative path in the app folder → content. */
  files: Map<string, string>;
  facts: AppFacts;
}

export interface TranslateOptions {
  app: string;
  /** The diagram that takes inbound calls. Default: the first script's. */
  inbound?: string;
  /** Script paths as the user gave them (for the README). */
  sources?: string[];
}

export function translateApp(scripts: DsmScript[], options: TranslateOptions): TranslatedApp {
  const facts = newAppFacts(options.app);
  for (const s of scripts) {
    if (facts.diagrams.has(s.name)) throw dsmErrors.duplicateDiagram(s.name);
    facts.diagrams.set(s.name, flowConstName(s.name));
  }
  // Messages first: an event(#x==…) condition in one diagram reads what another diagram posts.
  for (const s of scripts) {
    const file = s.file.split('/').pop() ?? s.file;
    for (const item of s.items) {
      if (item.kind === 'state') {
        collectMessages(item.enter, file, facts.messages);
        collectMessages(item.exit, file, facts.messages);
      } else if (item.kind === 'transition' || item.kind === 'function') {
        collectMessages(item.kind === 'transition' ? item.actions : item.body, file, facts.messages);
      }
    }
  }
  const files = new Map<string, string>();
  const byName = new Map(scripts.map((s) => [s.name, s]));
  const flows = scripts.map((s) => ({ script: s, out: translateFlow(s, facts, byName) }));
  for (const f of flows) files.set(`src/${f.out.fileName}`, f.out.source);
  if (facts.b2b) {
    if (facts.diagrams.has(B2B_CALLEE)) throw dsmErrors.duplicateDiagram(B2B_CALLEE);
    files.set(`src/${B2B_CALLEE}.ts`, b2bCalleeFile(options.app));
  }
  const flowList = [
    ...flows.map((f) => ({ diagram: f.script.name, constName: f.out.constName })),
    ...(facts.b2b ? [{ diagram: B2B_CALLEE, constName: 'b2bCalleeFlow' }] : []),
  ];
  files.set('src/messages.ts', messagesFile(facts));
  files.set('src/config.ts', configFile(facts, options.app));
  const inbound = options.inbound ?? scripts[0]?.name ?? '';
  files.set('src/index.ts', indexFile(options.app, flowList, inbound, facts.queries.length > 0));
  if (facts.queries.length) files.set('src/lookups.ts', lookupsFile(facts, options.app));
  files.set(
    'src/review-paths.ts',
    reviewPathsFile(
      facts,
      options.app,
      flowList.map((f) => f.diagram),
      inbound,
    ),
  );
  files.set('package.json', packageJson(options.app));
  files.set('tsconfig.build.json', buildConfig());
  files.set(
    'README.md',
    readmeFile(
      options.app,
      options.sources ?? scripts.map((s) => s.file),
      flows.map((f) => ({ diagram: f.script.name, file: f.out.fileName })),
      facts,
    ),
  );
  return { files, facts };
}
