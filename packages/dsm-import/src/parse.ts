/**
 * DSM text → syntax tree, with peggy (the grammar is dsm.peggy, compiled once per process). A syntax error names
 * the file, line and column, what was expected, and shows the line.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
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
        .map((x) => ('description' in x && typeof x.description === 'string' ? x.description : x.type === 'literal' ? JSON.stringify(x.text) : String(x.type)))
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

export function parseDsmFile(file: string): DsmScript {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw dsmErrors.file(file, err instanceof Error ? err.message : String(err));
  }
  return parseDsm(text, file);
}
