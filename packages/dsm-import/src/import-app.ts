/**
 * The import command's work: read and parse every script, translate, and write the app folder — all or nothing
 * (files go to a temporary folder beside the target, renamed into place at the end).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dsmErrors } from './errors.js';
import { parseDsmFile } from './parse.js';
import { buildConfig } from './translate/app-files.js';
import { translateApp, type TranslatedApp } from './translate/app.js';

export interface ImportOptions {
  files: string[];
  app: string;
  /** Target folder. Default apps/<app> under `cwd`. */
  out?: string;
  /** Diagram for inbound calls. Default: the first file's. */
  inbound?: string;
  /** Replace an existing target folder. */
  force?: boolean;
  cwd?: string;
}

export interface ImportResult extends TranslatedApp {
  dir: string;
}

const APP_NAME = /^[a-z0-9][a-z0-9_-]*$/i;

export function importDsm(options: ImportOptions): ImportResult {
  if (!APP_NAME.test(options.app)) throw dsmErrors.badAppName(options.app);
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, options.out ?? join('apps', options.app));
  if (existsSync(dir) && !options.force) throw dsmErrors.outExists(dir);
  // Parse and translate everything before touching the disk.
  const scripts = options.files.map((f) => parseDsmFile(resolve(cwd, f)));
  for (const [i, s] of scripts.entries()) s.file = options.files[i]!;
  const translated = translateApp(scripts, { app: options.app, sources: options.files, ...(options.inbound ? { inbound: options.inbound } : {}) });

  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.import-${process.pid}-${Date.now()}`;
  try {
    // The build config names the repository's base from where the app really is (apps/<name>, or --out elsewhere).
    const buildBase = relative(dir, fileURLToPath(new URL('../../../tsconfig.build.base.json', import.meta.url)))
      .split(sep)
      .join('/');
    translated.files.set('tsconfig.build.json', buildConfig(buildBase));
    for (const [rel, content] of translated.files) {
      mkdirSync(dirname(join(tmp, rel)), { recursive: true });
      writeFileSync(join(tmp, rel), content);
    }
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { ...translated, dir };
}
