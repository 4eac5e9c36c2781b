#!/usr/bin/env node
// Runs before `npm start`: the compiled server needs `npm run build` first; say so instead of a module-not-found trace.
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(`${root}packages/runtime/dist/server/cli/app.js`)) {
  console.error(
    'start: no compiled server (packages/runtime/dist/) — run `npm run build` first, or `npm run app` to run from the TypeScript sources',
  );
  process.exit(2);
}
