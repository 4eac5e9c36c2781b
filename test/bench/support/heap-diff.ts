/**
 * What a V8 heap snapshot holds, by constructor (objects, closures) or by node type (strings, code, arrays...), and
 * what grew between two snapshots. A snapshot is taken after a full collection, so it shows what is live.
 *   npx tsx test/bench/support/heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface HeapGroup {
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes summed by group: 'Foo' for objects and closures of constructor Foo, '(string)', '(code)', ... */
export function heapSummary(file: string): Map<string, HeapGroup> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, HeapGroup>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    const key = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += snap.nodes[i + iSize]!;
    out.set(key, g);
  }
  return out;
}

export function totalBytes(summary: Map<string, HeapGroup>): number {
  let n = 0;
  for (const g of summary.values()) n += g.bytes;
  return n;
}

/** The groups that grew most from `a` to `b`, biggest growth first. */
export function heapGrowth(a: Map<string, HeapGroup>, b: Map<string, HeapGroup>, rows = 15): Array<{ group: string; count: number; bytes: number }> {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .map((group) => ({
      group,
      count: (b.get(group)?.count ?? 0) - (a.get(group)?.count ?? 0),
      bytes: (b.get(group)?.bytes ?? 0) - (a.get(group)?.bytes ?? 0),
    }))
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, rows);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [before, after, rows] = process.argv.slice(2);
  if (!before || !after) {
    process.stderr.write('usage: heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]\n');
    process.exit(2);
  }
  const a = heapSummary(before);
  const b = heapSummary(after);
  const mb = (n: number) => (n / 2 ** 20).toFixed(2);
  process.stdout.write(`live heap: ${mb(totalBytes(a))} MB → ${mb(totalBytes(b))} MB\n| group | objects | MB |\n|---|---|---|\n`);
  for (const r of heapGrowth(a, b, Number(rows ?? 15))) process.stdout.write(`| ${r.group} | ${r.count} | ${mb(r.bytes)} |\n`);
}
