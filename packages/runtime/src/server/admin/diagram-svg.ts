/**
 * A flow's state diagram as a self-contained SVG for the web page: states in layers (breadth-first from the
 * initial state), arrows for transitions. Each state is a `<g data-state="PATH">` so the page can highlight the
 * current state by its dotted path (the same form as `CallRecord.state`).
 */
import type { FlowGraph, FlowState } from '../../review/flow-graph-types.js';

const NODE_H = 30;
const ROW_GAP = 64;
const COL_GAP = 28;
const MARGIN = 24;
const CHAR_W = 7.4;

interface Box {
  state: FlowState;
  rank: number;
  x: number;
  y: number;
  w: number;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function shorten(text: string, max = 28): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Breadth-first ranks from the initial state; a compound state leads to its initial child. */
function ranks(graph: FlowGraph, states: FlowState[]): Map<string, number> {
  const next = new Map<string, string[]>();
  const add = (from: string, to: string) => next.set(from, [...(next.get(from) ?? []), to]);
  for (const s of states) if (s.type === 'compound' && s.initial) add(s.path, s.initial);
  for (const t of graph.transitions) if (t.from !== '') for (const to of t.to) add(t.from, to);
  const rank = new Map<string, number>();
  const queue: string[] = [];
  const start = graph.initial ?? states.find((s) => !s.parent)?.path;
  if (start !== undefined) {
    rank.set(start, 0);
    queue.push(start);
  }
  while (queue.length) {
    const current = queue.shift() as string;
    for (const to of next.get(current) ?? []) {
      if (rank.has(to)) continue;
      rank.set(to, (rank.get(current) ?? 0) + 1);
      queue.push(to);
    }
  }
  // States not reached this way (children of parallel states, unreachable ones): one extra row at the bottom.
  const last = Math.max(-1, ...rank.values()) + 1;
  for (const s of states) if (!rank.has(s.path)) rank.set(s.path, last);
  return rank;
}

/**
 * @example
 * res.end(renderDiagramSvg(describeFlow(machine)));
 */
export function renderDiagramSvg(graph: FlowGraph): string {
  const states = graph.states.filter((s) => s.type !== 'history');
  const rank = ranks(graph, states);
  const rows = new Map<number, FlowState[]>();
  for (const s of states) {
    const r = rank.get(s.path) ?? 0;
    rows.set(r, [...(rows.get(r) ?? []), s]);
  }
  const label = (s: FlowState) => (s.parent ? s.path : s.key);
  const widthOf = (s: FlowState) => Math.max(64, Math.ceil(label(s).length * CHAR_W) + 24);
  const rowWidths = [...rows.values()].map((row) => row.reduce((sum, s) => sum + widthOf(s), 0) + COL_GAP * (row.length - 1));
  const innerW = Math.max(160, ...rowWidths);
  const boxes = new Map<string, Box>();
  const sortedRanks = [...rows.keys()].sort((a, b) => a - b);
  sortedRanks.forEach((r, rowIndex) => {
    const row = rows.get(r) ?? [];
    const total = row.reduce((sum, s) => sum + widthOf(s), 0) + COL_GAP * (row.length - 1);
    let x = MARGIN + (innerW - total) / 2;
    for (const s of row) {
      const w = widthOf(s);
      boxes.set(s.path, { state: s, rank: rowIndex, x, y: MARGIN + 18 + rowIndex * (NODE_H + ROW_GAP), w });
      x += w + COL_GAP;
    }
  });
  const anyState = graph.transitions
    .filter((t) => t.from === '' && t.to.length)
    .map((t) => `any state → ${t.to.join(', ')} on ${t.trigger}${t.description ? ` (${t.description})` : ''}`);
  // Back edges curve out on the right: leave room for them.
  const width = Math.max(innerW + 2 * MARGIN + 80, ...anyState.map((text) => 2 * MARGIN + Math.ceil(text.length * 6.8)));
  const height = MARGIN * 2 + 18 + sortedRanks.length * (NODE_H + ROW_GAP) - ROW_GAP + 10 + anyState.length * 14;

  const edges: string[] = [];
  const edge = (from: Box, to: Box, text: string, title: string, cls: string, backIndex: number): void => {
    let d: string;
    let lx: number;
    let ly: number;
    if (from === to) {
      const x = from.x + from.w;
      const y = from.y + NODE_H / 2;
      d = `M${x},${y - 8} C${x + 36},${y - 26} ${x + 36},${y + 26} ${x},${y + 8}`;
      lx = x + 38;
      ly = y + 4;
    } else if (to.rank > from.rank) {
      const x1 = from.x + from.w / 2;
      const y1 = from.y + NODE_H;
      const x2 = to.x + to.w / 2;
      const y2 = to.y;
      const my = (y1 + y2) / 2;
      d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
      lx = (x1 + x2) / 2 + 4;
      ly = my + 4;
    } else {
      const x1 = from.x + from.w;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x + to.w;
      const y2 = to.y + NODE_H / 2;
      const bulge = Math.max(x1, x2) + 40 + 12 * (backIndex % 4);
      d = `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
      lx = bulge - 8;
      ly = (y1 + y2) / 2;
    }
    edges.push(
      `<g class="edge ${cls}"><title>${xml(title)}</title><path d="${d}" marker-end="url(#arrow)"/>` +
        (text ? `<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}">${xml(shorten(text))}</text>` : '') +
        '</g>',
    );
  };
  let back = 0;
  for (const s of states) {
    if (s.type !== 'compound' || !s.initial) continue;
    const from = boxes.get(s.path);
    const to = boxes.get(s.initial);
    if (from && to) edge(from, to, '', `${s.path} starts in ${s.initial}`, 'edge-initial', back++);
  }
  for (const t of graph.transitions) {
    if (t.from === '') continue;
    const from = boxes.get(t.from);
    for (const target of t.to) {
      const to = boxes.get(target);
      if (!from || !to) continue;
      const text = t.description ?? t.trigger;
      const title = `${t.from} → ${target}: ${t.trigger}${t.guard ? ` [${t.guard}]` : ''}${t.description ? ` / ${t.description}` : ''}`;
      edge(from, to, text, title, `edge-${t.kind}`, to.rank <= from.rank ? back++ : 0);
    }
  }

  const nodes: string[] = [];
  for (const box of boxes.values()) {
    const s = box.state;
    const title = `${s.path} (${s.type})${s.description ? ` — ${s.description}` : ''}`;
    const inner = s.type === 'final' ? `<rect class="inner" x="${box.x + 3}" y="${box.y + 3}" width="${box.w - 6}" height="${NODE_H - 6}" rx="5"/>` : '';
    nodes.push(
      `<g class="state state-${s.type}" data-state="${xml(s.path)}"><title>${xml(title)}</title>` +
        `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${NODE_H}" rx="8"/>${inner}` +
        `<text x="${box.x + box.w / 2}" y="${box.y + NODE_H / 2 + 4}" text-anchor="middle">${xml(label(s))}</text></g>`,
    );
  }
  const initial = graph.initial ? boxes.get(graph.initial) : undefined;
  const start = initial
    ? `<circle class="start" cx="${initial.x + initial.w / 2}" cy="${initial.y - 14}" r="5"/>` +
      `<path class="start-edge" d="M${initial.x + initial.w / 2},${initial.y - 9} L${initial.x + initial.w / 2},${initial.y}" marker-end="url(#arrow)"/>`
    : '';

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-flow="${xml(graph.id)}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    start +
    edges.join('') +
    nodes.join('') +
    anyState.map((text, i) => `<text class="any-state" x="${MARGIN}" y="${height - 4 - (anyState.length - 1 - i) * 14}">${xml(text)}</text>`).join('') +
    '</svg>'
  );
}
