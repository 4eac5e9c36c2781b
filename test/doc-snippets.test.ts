/**
 * The code in docs/writing-flows.md and docs/lookup.md compiles: every ```ts block is type-checked (strict, the repo's compiler
 * options) as a module of its own, against the real packages and apps.
 *
 * - A block whose first line is a comment naming a repo file (`// apps/example-ivr/src/ivr.ts (shortened)`) is
 *   compiled as if it sat beside that file: its relative imports (`./config.js`) resolve there.
 * - A block may be preceded by `<!-- compiled with: ... -->`: declarations the reader does not need to see (e.g.
 *   `declare const rows: CalleeRow[];`), compiled before the block, with the same relative imports.
 * Errors are reported at the doc's own line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const REPO = resolve(import.meta.dirname, '..');
// Other docs' blocks (media, sip, migrating-from-dsm) are API sketches with elisions (…), not compiled yet.
const DOCS = ['docs/writing-flows.md', 'docs/lookup.md'];

interface Snippet {
  doc: string;
  /** 1-based doc line of the block's first code line. */
  line: number;
  code: string;
  prelude: string;
  /** Repo-relative directory its relative imports resolve in. */
  baseDir: string;
}

export function snippetsOf(doc: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    const code = lines.slice(start, end).join('\n');
    // The comment right before the fence (blank lines allowed between).
    let prelude = '';
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    if (j >= 0 && lines[j]!.trim().endsWith('-->')) {
      let k = j;
      while (k >= 0 && !lines[k]!.includes('<!--')) k--;
      const comment = lines.slice(k, j + 1).join('\n');
      const m = /<!--\s*compiled with:([\s\S]*?)-->/.exec(comment);
      if (m) prelude = m[1]!.trim();
    }
    const path = /^\/\/ ((?:apps|packages|test|scripts)\/[\w./-]+\.ts)\b/.exec(lines[start] ?? '');
    out.push({ doc, line: start + 1, code, prelude, baseDir: path ? dirname(path[1]!) : '.' });
    i = end;
  }
  return out;
}

/** Rewrite relative module specifiers (`'./x.js'`, `'../y.js'`) of `code` from `baseDir` to the file at `fileDir`. */
function relocate(code: string, baseDir: string, fileDir: string): string {
  return code.replace(/(from\s+|import\s*\(\s*)(['"])(\.\.?\/[^'"]+)\2/g, (_m, lead: string, q: string, spec: string) => {
    let rel = relative(fileDir, join(REPO, baseDir, spec)).replace(/\\/g, '/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${lead}${q}${rel}${q}`;
  });
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(REPO, 'tsconfig.base.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, REPO).options;
}

/** Type-check the snippets; returns one message per error, at the doc's line. */
function check(snippets: Snippet[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, { snippet: Snippet; preludeLines: number }>();
  snippets.forEach((s, n) => {
    const file = join(dir, `${s.doc.replace(/[^\w]/g, '_')}_${n + 1}.ts`);
    const prelude = s.prelude ? `${relocate(s.prelude, s.baseDir, dir)}\n` : '';
    writeFileSync(file, `${prelude}${relocate(s.code, s.baseDir, dir)}\nexport {};\n`);
    files.set(file, { snippet: s, preludeLines: prelude ? prelude.split('\n').length - 1 : 0 });
  });
  const program = ts.createProgram([...files.keys()], compilerOptions());
  const errors: string[] = [];
  for (const [file, { snippet, preludeLines }] of files) {
    const sf = program.getSourceFile(file)!;
    for (const d of ts.getPreEmitDiagnostics(program, sf)) {
      const { line } = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : { line: 0 };
      const where =
        line < preludeLines
          ? `${snippet.doc}:${snippet.line - 1} (the compiled-with comment)`
          : `${snippet.doc}:${snippet.line + line - preludeLines}`;
      errors.push(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`);
    }
  }
  return errors;
}

test('every ```ts block of docs/writing-flows.md and docs/lookup.md compiles', () => {
  const dir = join(REPO, '.test-tmp', `doc-snippets-${process.pid}`);
  try {
    const snippets = DOCS.flatMap((doc) => snippetsOf(doc, readFileSync(join(REPO, doc), 'utf8')));
    assert.ok(snippets.length >= 8, `only ${snippets.length} blocks found`);
    assert.deepEqual(check(snippets, join(dir, 'ok')), []);

    // The check can fail: the doc's own testFlow snippet with a resource the flow does not use, at its line.
    const broken = snippets.find((s) => s.code.includes('testFlow(callerFlow'))!;
    const wrong = { ...broken, code: broken.code.replace('resources: fakeResources(rows)', 'resources: { lookup: async () => rows }') };
    assert.notEqual(wrong.code, broken.code, 'the testFlow snippet changed: update this test');
    const errors = check([wrong], join(dir, 'broken'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(
      errors[0]!,
      new RegExp(`^docs/writing-flows\\.md:${broken.line + wrong.code.split('\n').findIndex((l) => l.includes('lookup: async'))}: `),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
