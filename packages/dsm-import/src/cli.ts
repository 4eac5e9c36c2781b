/**
 * npm run import-dsm -- <file.dsm>... --app <name> [--out apps/<name>] [--inbound <diagram>] [--force]
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { DsmImportError } from './errors.js';
import { importDsm } from './import-app.js';

const program = new Command()
  .name('npm run import-dsm --')
  .description('Import SEMS DSM scripts as a sipflow app: one typed flow per diagram, messages, config, index, README.')
  .argument('<files...>', 'DSM scripts (one diagram each; the diagram is the file name without .dsm)')
  .requiredOption('--app <name>', 'app name (the folder under apps/)')
  .option('--out <dir>', 'target folder (default apps/<name>)')
  .option('--inbound <diagram>', 'diagram that takes inbound calls (default: the first file)')
  .option('--force', 'replace the target folder if it exists')
  .action((files: string[], opts: { app: string; out?: string; inbound?: string; force?: boolean }) => {
    try {
      const res = importDsm({
        files,
        app: opts.app,
        ...(opts.out ? { out: opts.out } : {}),
        ...(opts.inbound ? { inbound: opts.inbound } : {}),
        force: !!opts.force,
      });
      const where = relative(process.cwd(), res.dir) || '.';
      const todos = res.facts.todos.length + res.facts.unsupported.length + res.facts.queries.length;
      console.log(`wrote ${where}: ${[...res.files.keys()].join(', ')}`);
      console.log(todos === 0 ? 'nothing needs a hand' : `${todos} place(s) need a hand: see ${where}/README.md`);
      console.log(`next: npm run typecheck && npm run review -- ${opts.app}`);
    } catch (err) {
      if (err instanceof DsmImportError) {
        console.error(`import-dsm: ${err.message}`);
        process.exit(1);
      }
      throw err;
    }
  });

program.parse();
