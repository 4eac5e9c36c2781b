/**
 * Import an app's entry so that each call loads the app's own files afresh (live reload) — see reload-hooks.ts.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

let registered = false;
let counter = 0;

/** Import `entry` (absolute path) with a fresh copy of every file under `root` (absolute dir, trailing slash optional). */
export async function importFresh(entry: string, root: string): Promise<Record<string, unknown>> {
  if (!registered) {
    // Compiled (npm start) the hooks are reload-hooks.js beside this file; under tsx, the .ts source.
    register(new URL(`./reload-hooks${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href, import.meta.url);
    registered = true;
  }
  counter += 1;
  const url = pathToFileURL(entry);
  const rootPath = root.endsWith('/') ? root : `${root}/`;
  url.searchParams.set('sipflow-reload', `${Date.now().toString(36)}-${counter}`);
  url.searchParams.set('sipflow-root', pathToFileURL(rootPath).pathname);
  return (await import(url.href)) as Record<string, unknown>;
}
