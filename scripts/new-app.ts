#!/usr/bin/env node
// npm run new -- <name> [--apps DIR] [--docs DIR]: start an app under apps/<name> — a flow, its config schema, a
// prompt, a testFlow() test, path fixtures for the review, a README — and write its review pages under
// docs/flows/<name>/. `npm test` passes right after (it typechecks the app, reviews it and runs its test).
// Exit: 0 created; 2 bad name, or the folder exists.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { reviewApp } from '../packages/runtime/src/review/index.js';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Half a second of a 440 Hz tone, 8 kHz 16-bit mono PCM: a placeholder prompt that plays. */
export function placeholderWav(ms = 500): Buffer {
  const rate = 8000;
  const samples = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * The files of a new app, by path relative to its folder. `buildBase`: the repository's tsconfig.build.base.json as
 * seen from the app's folder (`npm run build` compiles every app that has a tsconfig.build.json; `npm start` loads
 * its `sipflow-compiled` export).
 */
export function appFiles(name: string, buildBase = '../../tsconfig.build.base.json'): Record<string, string | Buffer> {
  // Flow ids are namespaced by app (the registry, leg refs and review pages use them): <app>_<flow>.
  const flowId = `${name.replace(/-/g, '_')}_main`;
  const camel = name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return {
    'package.json': `${JSON.stringify(
      {
        name: `@sipflow/app-${name}`,
        version: '0.1.0',
        private: true,
        type: 'module',
        description: `${name}: answer, play a prompt, hang up`,
        exports: { '.': { 'sipflow-compiled': './dist/index.js', default: './src/index.ts' } },
        dependencies: { '@sipflow/runtime': '^0.1.0', zod: '^4.6.7' },
      },
      null,
      2,
    )}\n`,
    'tsconfig.build.json': `${JSON.stringify({ extends: buildBase }, null, 2)}\n`,
    'src/prompts.ts': `/**
 * ${name}'s prompts: the files in prompts/. The flow declares them in \`setup({ prompts })\`, so \`play()\` of any
 * other name does not compile. Add a file to prompts/, then its name here.
 */
export const prompts = ['welcome.wav'] as const;
export type Prompt = (typeof prompts)[number];
`,
    'src/config.ts': `import { z } from 'zod';
import { prompts } from './prompts.js';

/** ${name}'s configuration (\`npm run app ${name} -- --set key=value\`). Every key has a default. */
export const ${camel}Config = z.object({
  prompt: z.enum(prompts).default('welcome.wav').describe('The prompt played to every caller (one of src/prompts.ts). Default welcome.wav.'),
  max_call_s: z.number().positive().default(60).describe('Seconds before the call is hung up whatever happens. Default 60.'),
});

export type ${camel[0]!.toUpperCase() + camel.slice(1)}Config = z.output<typeof ${camel}Config>;
`,
    'src/main-flow.ts': `/**
 * ${name}'s inbound flow: answer, play the prompt, hang up when it has been played (or at the first key, or after
 * max_call_s). Every name below is checked by the compiler: a misspelt event, state, delay or prompt does not compile.
 */
import { setup, answer, flush, hangup, play, type CallEvent, type FlowInput } from '@sipflow/runtime/flow';
import type { ${camel[0]!.toUpperCase() + camel.slice(1)}Config } from './config.js';
import { prompts, type Prompt } from './prompts.js';

export const mainFlow = setup({
  prompts,
  types: {
    input: {} as FlowInput<${camel[0]!.toUpperCase() + camel.slice(1)}Config>,
    context: {} as { prompt: Prompt; maxCallMs: number },
    events: {} as CallEvent,
  },
  delays: {
    maxCall: ({ context }) => context.maxCallMs,
  },
}).createMachine({
  id: '${flowId}',
  initial: 'START',
  context: ({ input }) => ({ prompt: input.config.prompt, maxCallMs: input.config.max_call_s * 1000 }),
  on: {
    'sip.hangup': { target: '.END', description: 'caller hung up' },
    error: { target: '.END', actions: hangup(), description: 'something failed' },
  },
  states: {
    START: {
      on: { 'sip.invite': { target: 'PLAYING', actions: [answer(), play(({ context }) => context.prompt)], description: 'got INVITE' } },
    },
    PLAYING: {
      on: {
        'playlist.ended': { target: 'END', actions: hangup(), description: 'prompt played' },
        dtmf: { target: 'END', actions: [flush(), hangup()], description: 'key pressed' },
      },
      after: { maxCall: { target: 'END', actions: hangup(), description: 'call too long' } },
    },
    END: { type: 'final' },
  },
});
`,
    'src/index.ts': `/** ${name}: \`npm run app ${name}\`, then call any number. */
import { defineApp } from '@sipflow/runtime/server';
import { ${camel}Config } from './config.js';
import { mainFlow } from './main-flow.js';

export default defineApp({
  name: '${name}',
  flows: { ${flowId}: mainFlow },
  inbound: '${flowId}',
  config: ${camel}Config,
  usage: ({ sip }) => \`call any number at \${sip.host}:\${sip.port}: you hear the prompt, then the call ends\`,
});
`,
    'src/review-paths.ts': `/** How \`npm run review -- ${name}\` plays the flow (see docs/writing-flows.md, "Path checks"). */
import type { PathFixtures } from '@sipflow/runtime/review';

export const pathFixtures: PathFixtures = {
  ${flowId}: { keys: '1' },
};
`,
    'test/main-flow.test.ts': `/** ${name}'s flow with testFlow() (no network). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFlow } from '@sipflow/runtime/flow';
import { ${camel}Config } from '../src/config.js';
import { mainFlow } from '../src/main-flow.js';

const config = ${camel}Config.parse({});

test('answers, plays the prompt, hangs up when it has been played', () => {
  const t = testFlow(mainFlow, { input: {}, config });
  assert.deepEqual(t.take(), [{ type: 'answer' }, { type: 'play', prompt: 'welcome.wav' }]);
  t.send({ type: 'playlist.ended' });
  assert.deepEqual(t.take(), [{ type: 'hangup' }]);
  assert.ok(t.done);
  assert.deepEqual(t.path, ['START', '> got INVITE >', 'PLAYING', '> prompt played >', 'END']);
});

test('a key ends the call at once; a caller hanging up ends the flow', () => {
  const t = testFlow(mainFlow, { input: {}, config });
  t.send({ type: 'dtmf', key: '5', source: 'rfc4733' });
  assert.deepEqual(t.take().slice(2), [{ type: 'flush' }, { type: 'hangup' }]);
  assert.ok(t.done);
  const u = testFlow(mainFlow, { input: {}, config });
  u.send({ type: 'sip.hangup', reason: 'bye' });
  assert.ok(u.done);
});
`,
    'prompts/welcome.wav': placeholderWav(),
    'README.md': `# ${name}

Started with \`npm run new -- ${name}\`. Run it with \`npm run app ${name}\`, then call any number.

| file | what it is |
|---|---|
| \`src/main-flow.ts\` | the flow (\`${flowId}\`): answer, play the prompt, hang up |
| \`src/config.ts\` | the config schema (\`--set prompt=welcome.wav\`, \`--set max_call_s=30\`) |
| \`src/prompts.ts\` | the prompt names the flow may play (checked by the compiler) |
| \`src/index.ts\` | \`defineApp({...})\`: flows, inbound routing, config |
| \`src/review-paths.ts\` | how the review's path checks play the flow |
| \`prompts/welcome.wav\` | a placeholder prompt (half a second of 440 Hz): replace it with yours (8 kHz or more, mono) |
| \`test/main-flow.test.ts\` | the flow with \`testFlow()\`, no network |

After a change: \`npm run review -- ${name}\` (rewrites docs/flows/${name}/), then \`npm test\`.
See docs/writing-flows.md for the building blocks.
`,
  };
}

/** Create apps/<name>/ and its review pages; returns the paths written (relative to the working directory). */
export async function createApp(name: string, options: { appsDir?: string; docsDir?: string } = {}): Promise<string[]> {
  if (!NAME.test(name))
    throw new NewAppError(`'${name}' is not a valid app name: lower-case letters, digits and single hyphens, starting with a letter (e.g. demo-app)`);
  const appsDir = resolve(options.appsDir ?? 'apps');
  const dir = join(appsDir, name);
  if (existsSync(dir)) throw new NewAppError(`${relative(process.cwd(), dir) || dir} exists already`);
  const written: string[] = [];
  const buildBase = relative(dir, fileURLToPath(new URL('../tsconfig.build.base.json', import.meta.url)))
    .split(sep)
    .join('/');
  for (const [file, content] of Object.entries(appFiles(name, buildBase))) {
    const path = join(dir, file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    written.push(relative(process.cwd(), path));
  }
  const { review, written: pages } = await reviewApp(name, { appsDir, outDir: options.docsDir ?? 'docs/flows' });
  if (!review.ok) throw new NewAppError(`the new app's review failed: ${review.findings.map((f) => f.message).join('; ')}`);
  return [...written, ...pages];
}

export class NewAppError extends Error {
  override readonly name = 'NewAppError';
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const program = new Command('new')
    .description('Start an app: apps/<name>/ with a flow, a config schema, a prompt, a testFlow test and a README')
    .argument('<name>', 'app name (lower-case, digits, hyphens), e.g. demo-app')
    .option('--apps <dir>', 'apps directory', 'apps')
    .option('--docs <dir>', 'review pages directory', 'docs/flows')
    .exitOverride();
  try {
    program.parse(process.argv.slice(2), { from: 'user' });
    const [name] = program.args as [string];
    const opts = program.opts<{ apps: string; docs: string }>();
    for (const path of await createApp(name, { appsDir: opts.apps, docsDir: opts.docs })) console.log(`wrote ${path}`);
    console.log(`\nnext: npm run app ${name}   (then call any number)   ·   npm test`);
  } catch (err) {
    if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
    else if (err instanceof NewAppError) {
      console.error(`new: ${err.message}`);
      process.exitCode = 2;
    } else throw err;
  }
}
