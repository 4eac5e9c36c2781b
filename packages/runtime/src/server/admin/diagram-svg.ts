/**
 * A flow's state diagram as a self-contained SVG for the web page. Layout: states in layers top-down (longest path
 * from the initial state once loops are set aside; final states on the last layer), ordered in each layer by the
 * position of their predecessors; arrows between neighbouring layers go straight down, longer and backward ones
 * are routed around the side. Each state is a `<g data-state="PATH">` so the page highlights the current state by
 * its dotted path (the same form as `CallRecord.state`).
 *
 * Why not Mermaid, which the review already writes for docs/flows? Mermaid lays a diagram out only in a browser
 * (it measures text in the DOM), so the page would have to load its multi-megabyte bundle (d3, dagre, DOMPurify)
 * from the admin server, and its SVG names nodes by its own ids, not by our state paths, which the live highlight
 * needs. The review's Mermaid text is for Markdown viewers; this is the only renderer of SVG.
 */
import type { FlowGraph, FlowState } from '../../review/flow-graph-types.js';

const NODE_H = 30;
const ROW_GAP = 62;
const COL_GAP = 56;
const MARGIN = 24;
const CHAR_W = 7.4;
const SIDE_STEP = 20;

interface Box {
  state: FlowState;
  row: number;
  x: number;
  y: number;
  w: number;
}

interface Edge {
  from: string;
  to: string;
  labels: string[];
  titles: string[];
  kind: string;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function shorten(text: string, max = 30): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Edges to draw: transitions (parallel ones between the same two states merged) and compound → initial child. */
function collectEdges(graph: FlowGraph, shown: Set<string>): Edge[] {
  const edges = new Map<string, Edge>();
  const add = (from: string, to: string, label: string, title: string, kind: string) => {
    if (!shown.has(from) || !shown.has(to)) return;
    const key = `${from}\u0000${to}`;
    const edge = edges.get(key) ?? { from, to, labels: [], titles: [], kind };
    if (label && !edge.labels.includes(label)) edge.labels.push(label);
    edge.titles.push(title);
    edges.set(key, edge);
  };
  for (const s of graph.states) if (s.type === 'compound' && s.initial) add(s.path, s.initial, '', `${s.path} starts in ${s.initial}`, 'initial');
  for (const t of graph.transitions) {
    if (t.from === '') continue;
    for (const to of t.to) {
      const title = `${t.from} → ${to}: ${t.trigger}${t.guard ? ` [${t.guard}]` : ''}${t.description ? ` / ${t.description}` : ''}`;
      add(t.from, to, t.description ?? t.trigger, title, t.kind);
    }
  }
  return [...edges.values()];
}

/** Layer of each state: longest path over the edges left once back edges (found by DFS) are removed. */
function layers(states: FlowState[], edges: Edge[], start: string | undefined): Map<string, number> {
  const out = new Map<string, string[]>();
  for (const e of edges) if (e.from !== e.to) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const back = new Set<string>();
  const seen = new Set<string>();
  const onStack = new Set<string>();
  const dfs = (v: string) => {
    seen.add(v);
    onStack.add(v);
    for (const w of out.get(v) ?? []) {
      if (onStack.has(w)) back.add(`${v}\u0000${w}`);
      else if (!seen.has(w)) dfs(w);
    }
    onStack.delete(v);
  };
  if (start !== undefined) dfs(start);
  for (const s of states) if (!seen.has(s.path)) dfs(s.path);

  const forward = edges.filter((e) => e.from !== e.to && !back.has(`${e.from}\u0000${e.to}`));
  const indegree = new Map<string, number>(states.map((s) => [s.path, 0]));
  for (const e of forward) indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
  const rank = new Map<string, number>(states.map((s) => [s.path, 0] as const));
  const queue = states.filter((s) => indegree.get(s.path) === 0).map((s) => s.path);
  while (queue.length) {
    const v = queue.shift() as string;
    for (const e of forward) {
      if (e.from !== v) continue;
      rank.set(e.to, Math.max(rank.get(e.to) ?? 0, (rank.get(v) ?? 0) + 1));
      indegree.set(e.to, (indegree.get(e.to) ?? 0) - 1);
      if (indegree.get(e.to) === 0) queue.push(e.to);
    }
  }
  // Final states close the flow: put them on the last layer, below everything else.
  const finals = states.filter((s) => s.type === 'final');
  if (finals.length && finals.length < states.length) {
    const last = Math.max(...states.filter((s) => s.type !== 'final').map((s) => rank.get(s.path) ?? 0)) + 1;
    for (const f of finals) rank.set(f.path, last);
  }
  // A state entered only from "any state" (root transitions) has no arrow in: put it just above its first
  // successor rather than beside the initial state.
  const hasIn = new Set(forward.map((e) => e.to));
  for (const s of states) {
    if (s.path === start || hasIn.has(s.path) || s.type === 'final') continue;
    const next = forward.filter((e) => e.from === s.path).map((e) => rank.get(e.to) ?? 0);
    if (next.length) rank.set(s.path, Math.max(1, Math.min(...next) - 1));
  }
  return rank;
}

/**
 * @example
 * res.end(renderDiagramSvg(describeFlow(machine)));
 */
export function renderDiagramSvg(graph: FlowGraph): string {
  const states = graph.states.filter((s) => s.type !== 'history');
  const shown = new Set(states.map((s) => s.path));
  const edges = collectEdges(graph, shown);
  const rank = layers(states, edges, graph.initial ?? states[0]?.path);

  // Rows, ordered by the mean position of each state's predecessors (a barycentre pass, top-down).
  const rowsByRank = new Map<number, FlowState[]>();
  for (const s of states) rowsByRank.set(rank.get(s.path) ?? 0, [...(rowsByRank.get(rank.get(s.path) ?? 0) ?? []), s]);
  const ranks = [...rowsByRank.keys()].sort((a, b) => a - b);
  const order = new Map<string, number>();
  for (const r of ranks) {
    const row = rowsByRank.get(r) ?? [];
    const score = (s: FlowState, i: number) => {
      const preds = edges.filter((e) => e.to === s.path && order.has(e.from)).map((e) => order.get(e.from) as number);
      return preds.length ? preds.reduce((a, b) => a + b, 0) / preds.length : i;
    };
    const scored = row.map((s, i) => ({ s, k: score(s, i), i }));
    scored.sort((a, b) => a.k - b.k || a.i - b.i);
    scored.forEach(({ s }, i) => order.set(s.path, i - (scored.length - 1) / 2));
    rowsByRank.set(
      r,
      scored.map(({ s }) => s),
    );
  }

  const label = (s: FlowState) => (s.parent ? s.path : s.key);
  const widthOf = (s: FlowState) => Math.max(64, Math.ceil(label(s).length * CHAR_W) + 24);
  const rowWidth = (row: FlowState[]) => row.reduce((sum, s) => sum + widthOf(s), 0) + COL_GAP * (row.length - 1);
  const innerW = Math.max(160, ...ranks.map((r) => rowWidth(rowsByRank.get(r) ?? [])));
  // Lay the rows out from x = 0 first; side-routed arrows (skipping layers, or going back up) take the side of
  // their source state (centred states: skips left, back arrows right); then room is made on the left.
  const boxes = new Map<string, Box>();
  ranks.forEach((r, rowIndex) => {
    const row = rowsByRank.get(r) ?? [];
    let x = (innerW - rowWidth(row)) / 2;
    for (const s of row) {
      const w = widthOf(s);
      boxes.set(s.path, { state: s, row: rowIndex, x, y: MARGIN + 18 + rowIndex * (NODE_H + ROW_GAP), w });
      x += w + COL_GAP;
    }
  });
  const centre = innerW / 2;
  const sideOf = (e: Edge): 'left' | 'right' | undefined => {
    const from = boxes.get(e.from);
    const to = boxes.get(e.to);
    if (!from || !to || from === to || to.row === from.row + 1) return undefined;
    const mid = from.x + from.w / 2;
    if (mid < centre - 10) return 'left';
    if (mid > centre + 10) return 'right';
    return to.row > from.row ? 'left' : 'right';
  };
  const sides = new Map(edges.map((e) => [e, sideOf(e)] as const));
  const leftEdges = edges.filter((e) => sides.get(e) === 'left');
  const leftReserve = leftEdges.length
    ? 40 + SIDE_STEP * Math.min(leftEdges.length, 6) + Math.max(...leftEdges.map((e) => Math.min(30, e.labels.join(' | ').length))) * 6.2
    : 0;
  const left = MARGIN + leftReserve;
  for (const box of boxes.values()) box.x += left;
  const right = left + innerW;

  const anyState = graph.transitions
    .filter((t) => t.from === '' && t.to.length)
    .map((t) => `any state → ${t.to.join(', ')} on ${t.trigger}${t.description ? ` (${t.description})` : ''}`);

  const fanOut = new Map<string, number>();
  for (const e of edges) {
    const from = boxes.get(e.from);
    const to = boxes.get(e.to);
    if (from && to && to.row === from.row + 1) fanOut.set(e.from, (fanOut.get(e.from) ?? 0) + 1);
  }
  const paths: string[] = [];
  let leftLane = 0;
  let rightLane = 0;
  let maxRight = right;
  for (const e of edges) {
    const from = boxes.get(e.from);
    const to = boxes.get(e.to);
    if (!from || !to) continue;
    const text = shorten(e.labels.join(' | '));
    let d: string;
    let lx: number;
    let ly: number;
    let anchor = 'start';
    if (from === to) {
      // Self loop above the state's right corner.
      const x = from.x + from.w - 14;
      const y = from.y;
      d = `M${x - 10},${y} C${x - 14},${y - 26} ${x + 18},${y - 26} ${x + 8},${y}`;
      lx = x + 16;
      ly = y - 14;
    } else if (to.row === from.row + 1) {
      const x1 = from.x + from.w / 2;
      const y1 = from.y + NODE_H;
      const x2 = to.x + to.w / 2;
      const y2 = to.y;
      const my = (y1 + y2) / 2;
      d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
      // Labelled near its source: on the side it heads to when its source fans out (labels of the fan apart),
      // else on the outer side (labels of arrows converging on one state apart).
      const goesLeft = x2 < x1 - 1;
      const fansOut = (fanOut.get(e.from) ?? 0) > 1;
      const labelLeft = Math.abs(x2 - x1) > 1 && (fansOut ? goesLeft : !goesLeft);
      lx = x1 + (x2 - x1) * (fansOut ? 0.3 : 0.1) + (labelLeft ? -6 : 6);
      if (labelLeft) anchor = 'end';
      ly = y1 + (y2 - y1) * 0.4 + 4;
    } else if (sides.get(e) === 'left') {
      // Around the left side, so it does not cross the states in between.
      const lane = Math.min(from.x, to.x) - 30 - SIDE_STEP * (leftLane++ % 6);
      const y1 = from.y + NODE_H / 2;
      const y2 = to.y + NODE_H / 2;
      d = `M${from.x},${y1} C${lane},${y1} ${lane},${y2} ${to.x},${y2}`;
      // Label beside the curve's outermost point (a cubic with both control points on the lane: t = 0.5).
      lx = 0.75 * lane + 0.125 * (from.x + to.x) - 4;
      ly = (y1 + y2) / 2 + 4;
      anchor = 'end';
    } else {
      // Around the right side.
      // Far enough out that the labels of the straight arrows (drawn right of them) stay clear.
      const lane = Math.max(from.x + from.w, to.x + to.w) + 90 + SIDE_STEP * (rightLane++ % 6);
      maxRight = Math.max(maxRight, lane);
      const y1 = from.y + NODE_H / 2;
      const y2 = to.y + NODE_H / 2;
      d = `M${from.x + from.w},${y1} C${lane},${y1} ${lane},${y2} ${to.x + to.w},${y2}`;
      lx = 0.75 * lane + 0.125 * (from.x + from.w + to.x + to.w) + 4;
      ly = (y1 + y2) / 2 + 4;
    }
    paths.push(
      `<g class="edge edge-${e.kind}"><title>${xml(e.titles.join('\n'))}</title><path d="${d}" marker-end="url(#arrow)"/>` +
        (text ? `<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="${anchor}">${xml(text)}</text>` : '') +
        '</g>',
    );
  }

  const nodes: string[] = [];
  for (const box of boxes.values()) {
    const s = box.state;
    const title = `${s.path} (${s.type})${s.description ? ` — ${s.description}` : ''}`;
    const inner =
      s.type === 'final' ? `<rect class="inner" x="${box.x + 3}" y="${box.y + 3}" width="${box.w - 6}" height="${NODE_H - 6}" rx="5"/>` : '';
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

  // Right edge: the widest of the layers, the right-side lanes plus their labels, the "any state" lines.
  const width = Math.max(maxRight + 200, ...anyState.map((text) => 2 * MARGIN + Math.ceil(text.length * 6.8)));
  const rowsHeight = ranks.length * (NODE_H + ROW_GAP) - ROW_GAP;
  const height = MARGIN * 2 + 18 + rowsHeight + 10 + anyState.length * 14;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-flow="${xml(graph.id)}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    start +
    paths.join('') +
    nodes.join('') +
    anyState
      .map((text, i) => `<text class="any-state" x="${MARGIN}" y="${height - 4 - (anyState.length - 1 - i) * 14}">${xml(text)}</text>`)
      .join('') +
    '</svg>'
  );
}
