/**
 * DSM text → syntax tree, with peggy (the grammar is dsm.peggy, compiled once per process). A syntax error names
 * the file, line and column, what was expected, and shows the line.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import peggy from 'peggy';
import type { DsmItem, DsmScript } from './ast.js';
import { dsmErrors } from './errors.js';

let parser: peggy.Parser | undefined;

function grammar(): peggy.Parser {
  parser ??= peggy.generate(readFileSync(new URL('./dsm.peggy', import.meta.url), 'utf8'));
  return parser;
}

/** peggy's message without the whitespace and comments that could also have come next (always true, never helpful). */
function describe(e: peggy.parser.SyntaxError): string {
  const wanted = [
    ...new Set(
      (e.expected ?? [])
        .map((x) =>
          'description' in x && typeof x.description === 'string' ? x.description : x.type === 'literal' ? JSON.stringify(x.text) : String(x.type),
        )
        .filter((d) => d !== 'whitespace' && d !== 'a comment'),
    ),
  ].sort();
  if (!wanted.length) return e.message;
  const list = wanted.length === 1 ? wanted[0] : `${wanted.slice(0, -1).join(', ')} or ${wanted.at(-1)}`;
  return `Expected ${list} but ${e.found === null ? 'end of input' : JSON.stringify(e.found)} found.`;
}

/** Parse one DSM script. `file` is used for messages and for the diagram name (its base name without `.dsm`). */
export function parseDsm(text: string, file: string): DsmScript {
  try {
    const items = grammar().parse(text, { grammarSource: file }) as DsmItem[];
    return { file, name: basename(file).replace(/\.dsm$/, ''), items };
  } catch (err) {
    if (err instanceof grammar().SyntaxError) {
      const e = err as peggy.parser.SyntaxError;
      const at = { line: e.location.start.line, column: e.location.start.column };
      const line = text.split('\n')[at.line - 1] ?? '';
      const excerpt = `  ${line}\n  ${' '.repeat(Math.max(0, at.column - 1))}^`;
      throw dsmErrors.syntax(file, at, describe(e), excerpt);
    }
    throw err;
  }
}

/** Parse a script file; `#include`d scripts are parsed and put in place of the directive, as SEMS does. */
export function parseDsmFile(file: string, including: readonly string[] = []): DsmScript {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw dsmErrors.file(file, err instanceof Error ? err.message : String(err));
  }
  const script = parseDsm(text, file);
  const items: DsmItem[] = [];
  for (const item of script.items) {
    if (item.kind !== 'include') {
      items.push(item);
      continue;
    }
    for (const path of includedFiles(file, item.path, item.at)) {
      if (including.includes(path) || path === file) throw dsmErrors.include(file, item.at, item.path, 'includes itself');
      const inner = parseDsmFile(path, [...including, file]);
      items.push(...inner.items.map((i) => stamp(i, basename(path))));
    }
  }
  return { ...script, items };
}

/** "x", "x.dsm" or a folder (every .dsm in it, by name), relative to the including script. */
function includedFiles(from: string, path: string, at: { line: number; column: number }): string[] {
  const base = isAbsolute(path) ? path : join(dirname(from), path);
  const candidate = existsSync(base) ? base : existsSync(`${base}.dsm`) ? `${base}.dsm` : undefined;
  if (!candidate) throw dsmErrors.include(from, at, path, 'no such file (nor with .dsm)');
  if (statSync(candidate).isDirectory()) {
    return readdirSync(candidate)
      .filter((f) => f.endsWith('.dsm'))
      .sort()
      .map((f) => join(candidate, f));
  }
  return [candidate];
}

/** Mark every position of an included item with its own file, so TODOs name the right script. */
function stamp<T>(node: T, file: string): T {
  if (Array.isArray(node)) return node.map((n) => stamp(n, file)) as T;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node))
      out[k] = k === 'at' && v && typeof v === 'object' ? { ...v, file: (v as { file?: string }).file ?? file } : stamp(v, file);
    return out as T;
  }
  return node;
}
