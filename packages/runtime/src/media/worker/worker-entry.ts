/**
 * Where a media worker thread starts. Compiled: `media-worker.js` beside this file. From TypeScript sources (tsx,
 * `npm run app`): a worker thread does not inherit tsx's loader, and registering tsx inside each worker costs about
 * 30 MB of RSS per worker (measured: +46 MB per worker with tsx, +18 MB as plain JavaScript). So the entry is
 * bundled once per process with esbuild (the compiler tsx itself runs on) into one JavaScript file, kept in the temp
 * folder under its content hash, and every worker starts from that.
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let bundled: Promise<URL> | undefined;

export function mediaWorkerEntry(): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return Promise.resolve(new URL('./media-worker.js', here));
  bundled ??= bundle(fileURLToPath(new URL('./media-worker.ts', here)));
  return bundled;
}

async function bundle(entry: string): Promise<URL> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // CommonJS dependencies (pino) call require(): give the ES module one.
    banner: { js: "import { createRequire as __sipflowRequire } from 'node:module'; const require = __sipflowRequire(import.meta.url);" },
  });
  const code = out.outputFiles[0]!.text;
  const file = join(tmpdir(), `sipflow-media-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    // Several processes may bundle at once: write aside, then rename (atomic).
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}
