/**
 * A `FlowGraph` as a Mermaid `stateDiagram-v2` (rendered by GitHub and most Markdown viewers).
 */
import type { FlowGraph, FlowState } from './flow-graph-types.js';

/** Mermaid state id for a dotted path: 'CONNECTED.talking' → 'CONNECTED_talking'. */
export function mermaidId(path: string): string {
  return path.replace(/[^A-Za-z0-9_]/g, '_') || 'root';
}

/** Text Mermaid accepts in a transition label (no ':' ';' '{' '}' '#', which it parses). */
function label(text: string): string {
  return text
    .replace(/[:;{}#]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The label of one transition: trigger [guard] / name. */
export function transitionLabel(t: { trigger: string; guard?: string; description?: string }): string {
  let text = t.trigger;
  if (t.guard) text += ` [${t.guard}]`;
  if (t.description) text += ` / ${t.description}`;
  return text;
}

/**
 * @example
 * toMermaid(describeFlow(machine)) // 'stateDiagram-v2\n  [*] --> IDLE\n  IDLE --> RINGING : sip.invite\n…'
 */
export function toMermaid(graph: FlowGraph): string {
  const lines = ['stateDiagram-v2'];
  const children = new Map<string, FlowState[]>();
  for (const s of graph.states) {
    const parent = s.parent ?? '';
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }

  const emitLevel = (parent: string, initial: string | undefined, indent: string): void => {
    const level = children.get(parent) ?? [];
    const parallel = parent !== '' && graph.states.find((p) => p.path === parent)?.type === 'parallel';
    level.forEach((s, i) => {
      if (s.type === 'history') return;
      // Mermaid separates the concurrent regions of a parallel state with '--'.
      if (parallel && i > 0) lines.push(`${indent}--`);
      const id = mermaidId(s.path);
      const kids = children.get(s.path) ?? [];
      if (kids.length) {
        // No alias and no description on a composite state: Mermaid mis-renders both (mermaid-js/mermaid#1493, #3858).
        lines.push(`${indent}state ${id} {`);
        emitLevel(s.path, s.initial, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${s.key}" as ${id}`);
        if (s.description) lines.push(`${indent}${id} : ${label(s.description)}`);
      }
    });
    if (initial) lines.push(`${indent}[*] --> ${mermaidId(initial)}`);
    for (const s of level) if (s.type === 'final') lines.push(`${indent}${mermaidId(s.path)} --> [*]`);
  };
  emitLevel('', graph.initial, '  ');

  for (const t of graph.transitions) {
    if (!t.to.length || t.from === '') continue;
    for (const to of t.to) lines.push(`  ${mermaidId(t.from)} --> ${mermaidId(to)} : ${label(transitionLabel(t))}`);
  }
  // Transitions declared on the root apply in every state: show them once, from a note-like pseudo state.
  const rootTransitions = graph.transitions.filter((t) => t.from === '' && t.to.length);
  if (rootTransitions.length) {
    lines.push('  state "any state" as any_state');
    for (const t of rootTransitions) for (const to of t.to) lines.push(`  any_state --> ${mermaidId(to)} : ${label(transitionLabel(t))}`);
  }
  return lines.join('\n') + '\n';
}
