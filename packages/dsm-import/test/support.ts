/**
 * Test support: import DSM fixtures into a temporary app folder inside the repository (so the generated code
 * resolves @sipflow/* like an app under apps/ does), load its flows, typecheck and review it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importDsm, type ImportResult } from '../src/index.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const fixture = (rel: string): string => join(FIXTURES, rel);

export interface TempApps {
  /** apps folder holding the imported apps. */
  appsDir: string;
  root: string;
  import(app: string, files: string[]): ImportResult;
  /** The app's flow module (src/<diagram>.ts). */
  load<T = Record<string, unknown>>(app: string, diagram: string): Promise<T>;
  /** tsc over every imported app; returns the error lines. */
  typecheck(): string[];
  cleanup(): void;
}

let n = 0;
export function tempApps(label: string): TempApps {
  const root = join(REPO, '.test-tmp', `dsm-${label}-${process.pid}-${n++}`);
  const appsDir = join(root, 'apps');
  mkdirSync(appsDir, { recursive: true });
  return {
    appsDir,
    root,
    import: (app, files) => importDsm({ files, app, out: join(appsDir, app), cwd: FIXTURES }),
    load: async (app, diagram) => (await import(pathToFileURL(join(appsDir, app, 'src', `${diagram}.ts`)).href)) as never,
    typecheck: () => {
      writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.base.json', include: ['apps/*/src/**/*.ts'] }));
      const res = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
        encoding: 'utf8',
      });
      return `${res.stdout}${res.stderr}`.split('\n').filter((l) => l.includes('error'));
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
