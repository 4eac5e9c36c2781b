/**
 * DSM value text → a TypeScript expression of type string, over `c` (the flow's context) and `e` (the event):
 * $var → v(c, 'var'), #param → p(e, 'param'), @select → sel(c, 'select'), $config.key / $(config.key) →
 * c.config.key, "text" → 'text', and sets()-style interpolation for strings with $(…), #(…), @(…) inside.
 */
import type { FlowScope } from './context.js';

const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Strip one pair of surrounding double quotes. */
export function unquote(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function reference(sigil: string, name: string, scope: FlowScope): string {
  if (sigil === '$') {
    if (name.startsWith('config.')) {
      const key = name.slice('config.'.length);
      scope.facts.configKeys.add(key);
      return `c.config.${key}`;
    }
    scope.dsmImports.add('v');
    return `v(c, ${q(name)})`;
  }
  if (sigil === '#') {
    scope.dsmImports.add('p');
    return `p(e, ${q(name)})`;
  }
  scope.dsmImports.add('sel');
  return `sel(c, ${q(name)})`;
}

/** A value as DSM set() reads it: one reference, or literal text. */
export function valueExpr(raw: string, scope: FlowScope): string {
  const t = raw.trim();
  if (t.startsWith('"')) return q(unquote(t));
  const ref = /^([$#@])\(?([A-Za-z_][A-Za-z0-9_.[\]]*)\)?$/.exec(t);
  if (ref) return reference(ref[1]!, ref[2]!, scope);
  const len = /^len\((.*)\)$/.exec(t);
  if (len) return `String(${valueExpr(len[1]!, scope)}.length)`;
  return q(t);
}

/** Text with $(var), $var, #(param), #param, @(select), @select inside, as a template literal. */
export function templateExpr(raw: string, scope: FlowScope): string {
  const text = unquote(raw);
  let out = '';
  let literal = '';
  const flush = (): void => {
    out += literal.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if ((ch === '$' || ch === '#' || ch === '@') && next === ch) {
      literal += ch;
      i++;
      continue;
    }
    if (ch === '$' || ch === '#' || ch === '@') {
      const m = /^\(([^)]*)\)|^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)/.exec(text.slice(i + 1));
      if (m) {
        flush();
        out += `\${${reference(ch, (m[1] ?? m[2])!, scope)}}`;
        i += m[0].length;
        continue;
      }
    }
    literal += ch;
  }
  flush();
  return out.includes('${') ? `\`${out}\`` : q(text);
}

/** The variable name written by set($x=…) / set(x=…): the text before the first '=' without its '$'. */
export function splitAssignment(args: string): { name: string; value: string } | undefined {
  const eq = args.indexOf('=');
  if (eq < 0) return undefined;
  const name = args
    .slice(0, eq)
    .trim()
    .replace(/^\$/, '')
    .replace(/^\((.*)\)$/, '$1');
  return { name, value: args.slice(eq + 1) };
}

/** Split raw arguments on top-level commas (outside quotes and parentheses). */
export function splitArgs(raw: string | null, sep = ','): string[] {
  if (raw === null || raw.trim() === '') return [];
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (quoted) {
      if (ch === '\\') {
        cur += ch + (raw[++i] ?? '');
        continue;
      }
      if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === sep && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

export { q as quoteTs };
