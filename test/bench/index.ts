/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` in turn and prints ONE JSON line:
 * { machine: {...}, <bench name>: {...figures}, ... }.
 * Each bench module exports `name: string` and `run(): Promise<Record<string, unknown>>`.
 * Progress goes to stderr; stdout carries only the JSON line.
 * `npm run bench -- sip` runs only benches whose name contains 'sip'.
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

interface BenchModule {
  name: string;
  run(): Promise<Record<string, unknown>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();

const result: Record<string, unknown> = {
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    date: new Date().toISOString(),
  },
};
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  if (only.length && !only.some((o) => mod.name.includes(o))) continue;
  process.stderr.write(`bench ${mod.name}...\n`);
  try {
    result[mod.name] = await mod.run();
  } catch (err) {
    failed = true;
    result[mod.name] = { error: err instanceof Error ? err.message : String(err) };
  }
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(failed ? 1 : 0);
