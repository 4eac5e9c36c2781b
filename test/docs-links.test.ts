/**
 * The docs stand alone: every relative link in README.md, docs/ and the apps' and packages' READMEs resolves to a
 * file (and heading) inside this repository, and no doc or comment points at notes kept outside it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Lexer, type Token, type Tokens } from 'marked';
import GithubSlugger from 'github-slugger';

const root = resolve(import.meta.dirname, '..');

function markdownFiles(): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const p = join(dir, name);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  for (const top of ['apps', 'packages']) {
    for (const name of readdirSync(join(root, top))) if (existsSync(join(root, top, name, 'README.md'))) out.push(join(top, name, 'README.md'));
  }
  return out;
}

/** Every token, depth first (links sit inside paragraphs, list items, table cells). */
function* walkTokens(tokens: readonly Token[]): Generator<Token> {
  for (const t of tokens) {
    yield t;
    const withChildren = t as Token & { tokens?: Token[]; items?: Token[]; header?: Tokens.TableCell[]; rows?: Tokens.TableCell[][] };
    if (withChildren.tokens) yield* walkTokens(withChildren.tokens);
    if (withChildren.items) yield* walkTokens(withChildren.items);
    if (withChildren.header) for (const cell of withChildren.header) yield* walkTokens(cell.tokens);
    if (withChildren.rows) for (const row of withChildren.rows) for (const cell of row) yield* walkTokens(cell.tokens);
  }
}

const parsed = new Map<string, Token[]>();
function tokensOf(file: string): Token[] {
  let tokens = parsed.get(file);
  if (!tokens) parsed.set(file, (tokens = new Lexer().lex(readFileSync(join(root, file), 'utf8'))));
  return tokens;
}

/** GitHub's anchors for a markdown file's headings. */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const out = new Set<string>();
  for (const t of walkTokens(tokensOf(file))) if (t.type === 'heading') out.add(slugger.slug((t as Tokens.Heading).text.replace(/`/g, '')));
  return out;
}

/** Why a link from `file` does not resolve inside the repo, or undefined when it does. */
function brokenLink(file: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
    return /^(https?|mailto):/i.test(href) ? undefined : 'not a web address and not a relative path';
  }
  if (href.startsWith('/')) return 'absolute path (not inside the repository)';
  const [pathPart, anchor] = href.split('#', 2) as [string, string | undefined];
  const target = pathPart === '' ? join(root, file) : resolve(root, dirname(file), decodeURIComponent(pathPart));
  const rel = relative(root, target);
  if (rel.startsWith('..') || rel.split(sep)[0] === '..') return 'points outside the repository';
  if (!existsSync(target)) return 'no such file';
  if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(rel).has(anchor)) return `no heading #${anchor} in ${rel}`;
  return undefined;
}

describe('docs stand alone', () => {
  const files = markdownFiles();

  test('README, docs/ and the READMEs are all found', () => {
    assert.ok(files.includes('README.md') && files.includes('docs/quizconnect.md') && files.includes('docs/writing-flows.md'), files.join(', '));
  });

  test('every link resolves inside the repository (file, and heading when it names one)', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const t of walkTokens(tokensOf(file))) {
        if (t.type !== 'link' && t.type !== 'image') continue;
        checked++;
        const why = brokenLink(file, (t as Tokens.Link).href);
        if (why) broken.push(`${file}: ${(t as Tokens.Link).href} — ${why}`);
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(checked > 20, `only ${checked} links found: is the markdown parsed?`);
  });

  test('a broken link is reported (the check can fail)', () => {
    assert.equal(brokenLink('docs/quizconnect.md', 'operations.md#metrics'), undefined);
    assert.equal(brokenLink('docs/quizconnect.md', '#behaviour'), undefined);
    assert.match(brokenLink('docs/quizconnect.md', '../../shared/QUIZCONNECT.md') ?? '', /outside/);
    assert.match(brokenLink('docs/quizconnect.md', 'QUIZCONNECT.md') ?? '', /no such file/);
    assert.match(brokenLink('docs/quizconnect.md', 'operations.md#no-such-heading') ?? '', /no heading/);
    assert.match(brokenLink('README.md', '/work/shared/DESIGN.md') ?? '', /absolute/);
  });

  test('no doc or source comment points at notes kept outside the repository', () => {
    const outside = /\b(DESIGN|QUIZCONNECT|SIPP|STYLE)\.md\b|\/work\/|\.\.\/shared\/|shared\/seed/;
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(join(root, dir))) {
        if (name === 'node_modules' || name.startsWith('.') || name === 'dist') continue;
        const p = join(dir, name);
        if (statSync(join(root, p)).isDirectory()) walk(p);
        else if (/\.(md|ts|mjs|js|json|xml|sh|cfg)$/.test(name) && p !== 'test/docs-links.test.ts') {
          readFileSync(join(root, p), 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (outside.test(line)) hits.push(`${p}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    for (const top of ['README.md', 'docs', 'apps', 'packages', 'scripts', 'test', 'deploy']) {
      if (top.endsWith('.md')) {
        if (outside.test(readFileSync(join(root, top), 'utf8'))) hits.push(top);
      } else if (existsSync(join(root, top))) walk(top);
    }
    assert.deepEqual(hits, []);
  });
});
