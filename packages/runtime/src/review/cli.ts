#!/usr/bin/env node
// npm run review -- <app> [--out DIR] [--apps DIR] — see docs/operations.md.
// Exit: 0 no findings; 1 findings (or, with --check, pages out of date); 2 usage or the app cannot be loaded.
import { Command, CommanderError } from 'commander';
import { reviewApp } from './review-app.js';
import { AppLoadError } from '../app/errors.js';

const program = new Command('review')
  .description('Write docs/flows/<app>/<flow>.md (Mermaid diagram, transition table, path checks) for every flow of an app, and check it')
  .argument('<app>', 'app name under apps/')
  .option('--out <dir>', 'output directory', 'docs/flows')
  .option('--apps <dir>', "apps directory (default: the repository's apps/)")
  .option('--check', 'write nothing; fail when a page is missing or differs from what would be generated (CI)')
  .option('--skip-types', 'do not read events from the TypeScript types (faster; the leg message and declared event rules are skipped)')
  .option('--skip-paths', 'do not play the paths of the flows through testFlow()')
  .exitOverride();

try {
  program.parse(process.argv.slice(2), { from: 'user' });
  const [app] = program.args as [string];
  const opts = program.opts<{ out: string; apps?: string; skipTypes?: boolean; skipPaths?: boolean; check?: boolean }>();
  const { review, written, stale, notes } = await reviewApp(app, {
    outDir: opts.out,
    appsDir: opts.apps,
    skipTypes: !!opts.skipTypes,
    skipPaths: !!opts.skipPaths,
    check: !!opts.check,
  });
  for (const path of written) console.log(`wrote ${path}`);
  for (const note of notes) console.log(`note: ${note}`);
  for (const path of stale) console.error(`${path} is missing or out of date: run npm run review -- ${app}`);
  if (stale.length) process.exitCode = 1;
  if (review.ok) {
    const played = Object.values(review.paths).reduce((n, p) => n + p.paths, 0);
    console.log(`review of ${app}: ${Object.keys(review.graphs).length} flows, ${played} paths played, no findings`);
  } else {
    for (const f of review.findings) console.error(`${f.flow}: ${f.rule}: ${f.message}`);
    console.error(`review of ${app}: ${review.findings.length} finding${review.findings.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
  }
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else if (err instanceof AppLoadError) {
    console.error(`review: ${err.code}: ${err.message}`);
    process.exitCode = 2;
  } else throw err;
}
