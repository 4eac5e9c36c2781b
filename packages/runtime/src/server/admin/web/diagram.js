// A flow's diagram (SVG from the admin server) and its live highlight: shared by the live calls page (app.js) and
// the phone (phone.js).

const diagrams = new Map(); // 'app/flow@version' -> Promise<string | null>

/** The SVG text of a call's flow diagram (cached per app version), or null when the server has none. */
export function diagramFor(call) {
  const key = `${call.app}/${call.flow}@${call.appVersion}`;
  if (!diagrams.has(key)) {
    const url = `/apps/${encodeURIComponent(call.app)}/flows/${encodeURIComponent(call.flow)}/diagram.svg?version=${call.appVersion}`;
    diagrams.set(
      key,
      fetch(url)
        .then((r) => (r.ok ? r.text() : null))
        .catch(() => null),
    );
  }
  return diagrams.get(key);
}

function ancestorsOf(path) {
  const parts = path.split('.');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** Mark the diagram's states inside `root`: the current one(s), their parents, and those the call went through. */
export function highlight(root, call) {
  const svg = root.querySelector('svg');
  if (!svg) return;
  const current = new Set(call.state.split(/[,\s]+/).filter(Boolean));
  const ancestors = new Set([...current].flatMap(ancestorsOf));
  const visited = new Set();
  for (const step of call.stateGraph) {
    if (step.kind !== 'state') continue;
    visited.add(step.state);
    for (const a of ancestorsOf(step.state)) visited.add(a);
  }
  for (const g of svg.querySelectorAll('g.state')) {
    const p = g.getAttribute('data-state');
    g.classList.toggle('current', current.has(p));
    g.classList.toggle('ancestor', ancestors.has(p));
    g.classList.toggle('visited', visited.has(p));
  }
}

/** 'xstate.after.digitTimeout.ivr.GREETING' → 'after digitTimeout'; 'xstate.done.actor.x' → 'done: x'. */
export function eventName(type) {
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${/^\d+$/.test(after[1]) ? `${after[1]} ms` : after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) return `${actor[1]}: ${actor[2]}`;
  return type;
}

/** The call's steps as list items: states, and transitions with their description and event. */
export function renderSteps(list, call) {
  list.textContent = '';
  for (const step of call.stateGraph) {
    const li = document.createElement('li');
    li.className = step.kind;
    li.textContent = step.kind === 'state' ? step.state : `→ ${step.description || step.event} (${eventName(step.event)})`;
    list.appendChild(li);
  }
}
