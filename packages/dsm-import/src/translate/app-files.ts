/**
 * The files around the flows: messages.ts (typed leg messages from postEvent), config.ts (a zod schema of the
 * $config.* keys read), index.ts (defineApp), package.json and the README of what was translated and what needs a hand.
 */
import { flowId, type AppFacts } from './context.js';
import { quoteTs } from './values.js';

export function messagesFile(facts: AppFacts): string {
  const messages = [...facts.messages.values()];
  const blocks = messages.map((m) => {
    const name = `Post_${m.params.join('_') || 'event'}`.replace(/[^A-Za-z0-9_]/g, '_');
    const params = m.params.map((p) => `${quoteTs(p)}: string`).join('; ');
    return {
      name,
      code: `/** postEvent(leg, ${m.params.join(';')}) — first at ${m.where}. */\nexport interface ${name} {\n  type: ${quoteTs(m.type)};\n  params: { ${params}${params ? ' ' : ''}};\n}`,
    };
  });
  return `/**
 * Leg messages of this app, inferred from the DSM postEvent() calls: one type per set of variables posted, each
 * variable a string. sendToLeg() only compiles with one of these.
 */
import type { CallEvent } from '@sipflow/runtime/flow';

${blocks.map((b) => b.code).join('\n\n')}${blocks.length ? '\n\n' : ''}export type AppMessage = ${blocks.map((b) => b.name).join(' | ') || 'never'};

/**
 * What every flow of this app receives: call events and leg messages. A flow's own events (DSM exceptions, timers)
 * are in its own event type only, where it has transitions for them.
 */
export type AppEvents = CallEvent | AppMessage;
`;
}

export function configFile(facts: AppFacts, app: string): string {
  const keys = [...facts.configKeys].sort();
  const fields = keys.map(
    (k) =>
      `  ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : quoteTs(k)}: z.string().default('').describe('$config.${k} of the DSM scripts (the SEMS app .conf). Default: empty, as DSM reads a missing key.'),`,
  );
  return `/**
 * ${app}'s configuration: every $config.<key> the DSM scripts read (the SEMS app .conf), as a string ('' when unset).
 * Give values in the server's config file or with \`npm run app ${app} -- --set key=value\`.
 */
import { z } from 'zod';

export const configSchema = z.object({
${fields.join('\n')}
});

export type AppConfig = z.output<typeof configSchema>;
`;
}

export function indexFile(app: string, flows: Array<{ diagram: string; constName: string }>, inbound: string, lookups: boolean): string {
  return `/**
 * ${app}: imported from DSM by \`npm run import-dsm\` (see README.md for what needs a hand).
 */
import { defineApp } from '@sipflow/runtime/server';
import { configSchema } from './config.js';
${lookups ? "import { openLookups } from './lookups.js';\n" : ''}${flows.map((f) => `import { ${f.constName} } from './${f.diagram}.js';`).join('\n')}

export { configSchema };
export type { AppConfig } from './config.js';
export type { AppEvents, AppMessage } from './messages.js';

export default defineApp({
  name: ${quoteTs(app)},
  flows: { ${flows.map((f) => `${quoteTs(flowId(app, f.diagram))}: ${f.constName}`).join(', ')} },
  inbound: ${quoteTs(flowId(app, inbound))},
  config: configSchema,${lookups ? '\n  setup: ({ config }) => openLookups(config),' : ''}
});
`;
}

export function packageJson(app: string): string {
  return `${JSON.stringify(
    {
      name: `@sipflow/app-${app}`,
      version: '0.1.0',
      private: true,
      type: 'module',
      description: `${app}: imported from SEMS DSM scripts`,
      // npm start loads the compiled output (npm run build), tsx the source.
      exports: { '.': { 'sipflow-compiled': './dist/index.js', default: './src/index.ts' } },
      dependencies: { '@sipflow/dsm-import': '^0.1.0', '@sipflow/runtime': '^0.1.0', xstate: '^5.33.3', zod: '^4.6.7' },
    },
    null,
    2,
  )}\n`;
}

/** What `npm run build` compiles the app with; `base`: the repository's tsconfig.build.base.json from the app folder. */
export function buildConfig(base = '../../tsconfig.build.base.json'): string {
  return `${JSON.stringify({ extends: base }, null, 2)}\n`;
}

export function readmeFile(app: string, sources: string[], flows: Array<{ diagram: string; file: string }>, facts: AppFacts): string {
  const translated = [...facts.translated.entries()].sort(([a], [b]) => a.localeCompare(b));
  const unsupported = facts.unsupported;
  return `# ${app}

Imported from SEMS DSM by \`npm run import-dsm -- ${sources.join(' ')} --app ${app}\`. Regenerate the same way;
the flows are ordinary sipflow flows: edit them freely once imported.

| DSM diagram | flow file |
|---|---|
${flows.map((f) => `| ${f.diagram} | src/${f.file} |`).join('\n')}

## Translated
${translated.map(([name, n]) => `- \`${name}\` × ${n}`).join('\n') || '- (no actions)'}

## Needs a hand
${
  [
    ...facts.todos.map((t) => `- ${t.where}: ${t.what}`),
    ...facts.queries.map((q) => `- ${q.where}: mysql.query → \`${q.name}\` in src/lookups.ts: fill it in with the app's database`),
    ...unsupported.map(
      (u) =>
        `- ${u.where}: \`${u.what}\` is not supported: \`unsupported('${u.what}', '${u.where}')\` stands in its place and the flow review reports it`,
    ),
  ].join('\n') || '- nothing: `npm run typecheck` and `npm run review -- ' + app + '` pass as generated'
}

## Config
${
  [...facts.configKeys]
    .sort()
    .map((k) => `- \`${k}\` ($config.${k})`)
    .join('\n') || '- none'
}
`;
}

/** lookups.ts: one typed lookup per mysql.query, each a TODO the app fills in with its database. */
export function lookupsFile(facts: AppFacts, app: string): string {
  const members = facts.queries.map((q) => {
    const params = q.params.map((p) => `${quoteTs(p)}: string`).join('; ');
    const row = q.columns ? `{ ${q.columns.map((c) => `${c}: string`).join('; ')} }` : 'Record<string, string>';
    return `  /** ${q.where}: \`${q.sql.replace(/`/g, "'")}\` (? = ${q.params.map((p) => `$${p}`).join(', ') || 'none'}) */\n  ${q.name}(params: { ${params}${params ? ' ' : ''}}): Promise<Array<${row}>>;`;
  });
  const stubs = facts.queries.map(
    (q) =>
      `    // TODO(${q.where}): run the query on the app's database and return its rows (a rejection sets $errno).\n    ${q.name}: async () => {\n      throw new Error(${quoteTs(`TODO(${q.where}): mysql.query is not filled in`)});\n    },`,
  );
  return `/**
 * ${app}'s database lookups: one per DSM mysql.query, typed by the variables it reads and the columns it selects.
 * The flows run them as effects; openLookups() is the app's setup(): fill each in with a pool opened once (never a
 * connection per call, as mysql.connect() was).
 */
import type { FlowServices } from '@sipflow/runtime/flow';
import type { AppConfig } from './config.js';

export interface AppLookups {
${members.join('\n')}
}

export type AppServices = FlowServices<AppConfig, AppLookups>;

export async function openLookups(config: AppConfig): Promise<AppLookups> {
  void config;
  return {
${stubs.join('\n')}
  };
}
`;
}

/**
 * review-paths.ts: how the flow review's path checks play the imported flows — which ones run on dialled legs, what
 * the lookups may answer.
 */
export function reviewPathsFile(facts: AppFacts, app: string, diagrams: string[], inbound: string): string {
  const entries = diagrams.map((d) => {
    const lines: string[] = [];
    if (d !== inbound) lines.push("call: { direction: 'outbound' }");
    const queries = facts.queries.filter((q) => q.name.startsWith(`${d}_`));
    if (queries.length) {
      const outputs = queries.map((q) => {
        const row = q.columns ? `{ ${q.columns.map((c) => `${c}: '1'`).join(', ')} }` : '{}';
        return `${quoteTs(q.name)}: [[], [${row}]]`;
      });
      lines.push(`outputs: { ${outputs.join(', ')} }`);
    }
    return `  ${quoteTs(flowId(app, d))}: {${lines.length ? ` ${lines.join(', ')} ` : ''}},`;
  });
  return `/**
 * How \`npm run review -- ${app}\` plays the imported flows (path checks): diagrams other than the inbound one run on
 * dialled legs; lookups answer no row or one. Add \`messages\` to have the review send the postEvent messages too.
 */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
${entries.join('\n')}
};
`;
}

/** b2b_callee.ts: the B leg B2B.connectCallee dials: it joins the A leg's room when it answers, and ends on a hangup. */
export function b2bCalleeFile(app: string): string {
  return `/**
 * The B leg of B2B.connectCallee (generated by \`npm run import-dsm\`): SEMS relayed the media between the two legs;
 * here both join a room named after the A leg ($b2b_room), the B leg when it answers.
 */
import { setup } from 'xstate';
import { flowConfig, join } from '@sipflow/runtime/flow';
import { dsmContext, v, type DsmContext, type DsmInput } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
import type { AppEvents } from './messages.js';

export const b2bCalleeFlow = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents,
  },
}).createMachine(
  flowConfig({
    id: ${quoteTs(flowId(app, 'b2b_callee'))},
    initial: 'CALLING',
    context: ({ input }) => dsmContext(input),
    states: {
      CALLING: {
        on: {
          'call.started': { target: 'CONNECTED', actions: join(({ context: c }) => v(c, 'b2b_room')), description: 'answered: join the A leg' },
          'call.failed': { target: 'END', description: 'refused' },
          'sip.hangup': { target: 'END', description: 'hung up' },
        },
      },
      CONNECTED: {
        on: { 'sip.hangup': { target: 'END', description: 'hung up' } },
      },
      END: { type: 'final' },
    },
  }),
);
`;
}
