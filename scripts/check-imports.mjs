#!/usr/bin/env node
// npm test runs this: fails on an import that runs up the runtime's layers, on an import between packages that the
// package order forbids, and on any import cycle between source files. The rules are written down in
// docs/architecture.md; they are these:
//
//   packages/runtime/src, lowest first (a folder may import its own files and any LOWER layer, nothing else):
//     util  <  sip, media (peers: neither imports the other)  <  flow  <  app  <  review  <  server  <  index.ts
//   packages: runtime imports no other sipflow package; lookup imports none; dsm-import may import runtime;
//   apps may import any package, never another app.
//   dependencies: every third-party package a package's (or app's) src/ imports is in its package.json
//   `dependencies`, and every one listed there is imported by its src/ (a `@types/x` counts as used with `x`).
//
// Type-only imports count: a type that runs up a layer is still an arrow up. Imports are read with the TypeScript
// parser (import/export declarations, import() calls and import('...') types), so code inside strings — the DSM
// importer's generated files — is not mistaken for an import.
// Usage: node scripts/check-imports.mjs [--root DIR]   (exit 1 with one line per violation)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// `--root DIR` checks another tree laid out the same way (the script's own test runs it on fixtures).
const rootArg = process.argv.indexOf('--root');
const root = rootArg >= 0 && process.argv[rootArg + 1] ? resolve(process.argv[rootArg + 1]) : resolve(new URL('..', import.meta.url).pathname);

/** Runtime layers: folder under packages/runtime/src → rank. Same rank = peers that must not import each other. */
const RUNTIME_LAYERS = { util: 0, sip: 1, media: 1, flow: 2, app: 3, review: 4, server: 5 };
const RUNTIME_TOP = 6; // packages/runtime/src/index.ts re-exports everything
/** Which sipflow packages each package may import. */
const PACKAGE_DEPS = { runtime: [], lookup: [], 'dsm-import': ['runtime'] };

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic, `import('x').T` types, re-exports). */
function specifiers(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts file a specifier names, or undefined for a third-party or node: module. */
function resolveSpecifier(from, spec) {
  let base;
  if (spec.startsWith('.')) base = resolve(dirname(from), spec);
  else {
    const m = /^@sipflow\/([^/]+)(?:\/(.+))?$/.exec(spec);
    if (!m) return undefined;
    const pkgDir = join(root, 'packages', m[1]);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const target = pkg.exports?.[m[2] ? `./${m[2]}` : '.'];
    const file = typeof target === 'string' ? target : target?.default;
    if (!file) return undefined;
    base = join(pkgDir, file);
  }
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Where a file sits: its package (or app) and, inside the runtime, its layer. */
function place(file) {
  const rel = relative(root, file).split('/');
  if (rel[0] === 'apps') return { kind: 'app', name: rel[1] };
  if (rel[0] !== 'packages' || rel[2] !== 'src') return { kind: 'other', name: rel.join('/') };
  if (rel[1] !== 'runtime') return { kind: 'package', name: rel[1] };
  const folder = rel[3];
  const rank = rel.length === 4 ? RUNTIME_TOP : RUNTIME_LAYERS[folder];
  return { kind: 'package', name: 'runtime', layer: rel.length === 4 ? 'index.ts' : folder, rank };
}

function violation(from, to) {
  const a = place(from);
  const b = place(to);
  if (a.kind === 'app') return b.kind === 'app' && b.name !== a.name ? `app ${a.name} imports app ${b.name}` : undefined;
  if (a.kind !== 'package') return undefined;
  if (b.kind !== 'package') return `package ${a.name} imports ${b.kind} ${b.name}`;
  if (a.name !== b.name) return (PACKAGE_DEPS[a.name] ?? []).includes(b.name) ? undefined : `package ${a.name} may not import package ${b.name}`;
  if (a.name !== 'runtime' || a.layer === b.layer) return undefined;
  if (a.rank === undefined) return `runtime folder ${a.layer} has no layer (add it to RUNTIME_LAYERS and docs/architecture.md)`;
  if (b.rank === undefined) return `runtime folder ${b.layer} has no layer (add it to RUNTIME_LAYERS and docs/architecture.md)`;
  if (b.rank > a.rank) return `upward import: ${a.layer} (layer ${a.rank}) imports ${b.layer} (layer ${b.rank})`;
  if (b.rank === a.rank) return `${a.layer} and ${b.layer} are peers and must not import each other`;
  return undefined;
}

/** 'pino' → 'pino', '@scope/name/sub' → '@scope/name'; undefined for relative, node: and built-in modules. */
function packageNameOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return undefined;
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
}

/** Declared dependencies vs. what src/ imports, per package and app folder. */
function dependencyProblems(files) {
  const out = [];
  const used = new Map();
  for (const file of files) {
    const rel = relative(root, file).split('/');
    const dir = join(root, rel[0], rel[1]);
    let names = used.get(dir);
    if (!names) used.set(dir, (names = new Set()));
    for (const spec of specifiers(file)) {
      const name = packageNameOf(spec);
      if (name) names.add(name);
    }
  }
  for (const [dir, names] of used) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const declared = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    const where = relative(root, dir);
    for (const name of names) {
      if (name !== pkg.name && !declared.includes(name))
        out.push(`${where}: src/ imports '${name}', which its package.json does not list in dependencies`);
    }
    for (const name of declared) {
      const typed = name.startsWith('@types/') ? name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2') : undefined;
      if (!names.has(name) && !(typed && names.has(typed)))
        out.push(`${where}: package.json lists '${name}' in dependencies, but src/ never imports it`);
    }
  }
  return out;
}

const files = [
  ...walk(join(root, 'packages')).filter((f) => relative(root, f).split('/')[2] === 'src'),
  ...walk(join(root, 'apps')).filter((f) => relative(root, f).split('/')[2] === 'src'),
];
const graph = new Map();
const problems = dependencyProblems(files);
for (const file of files) {
  const edges = [];
  for (const spec of specifiers(file)) {
    const to = resolveSpecifier(file, spec);
    if (!to) continue;
    edges.push(to);
    const why = violation(file, to);
    if (why) problems.push(`${relative(root, file)} -> ${relative(root, to)}: ${why}`);
  }
  graph.set(file, edges);
}

// Cycles: Tarjan's strongly connected components; every component with more than one file (or a self-import) is one.
let index = 0;
const stack = [];
const meta = new Map();
function strongConnect(v) {
  const m = { index, low: index, onStack: true };
  index += 1;
  meta.set(v, m);
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    const mw = meta.get(w);
    if (!mw) {
      strongConnect(w);
      m.low = Math.min(m.low, meta.get(w).low);
    } else if (mw.onStack) m.low = Math.min(m.low, mw.index);
  }
  if (m.low === m.index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) {
      problems.push(
        `import cycle: ${component
          .map((f) => relative(root, f))
          .sort()
          .join(' <-> ')}`,
      );
    }
  }
}
for (const v of graph.keys()) if (!meta.has(v)) strongConnect(v);

if (problems.length) {
  for (const p of problems) console.error(`check-imports: ${p}`);
  console.error(`check-imports: ${problems.length} forbidden import${problems.length === 1 ? '' : 's'} (rules: docs/architecture.md)`);
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, no upward import, no cycle, dependencies as declared`);
