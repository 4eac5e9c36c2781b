/**
 * One DSM diagram → one flow file (a typed XState machine built with flowConfig). DSM semantics are kept:
 * - the first matching transition in declaration order wins, across event types: every event key lists, in
 *   declaration order, the transitions for that event AND the ones for any event;
 * - a transition with no event condition (test() only, or none at all) fires on any DSM event ('*' and every
 *   event key), never as an `always`;
 * - every transition re-enters (`reenter: true`): exit actions, transition actions, entry actions, also on self loops;
 * - exception transitions (`- exception`) take only `error` and `dsm.exception` (throw()); no other transition does;
 * - repost() raises the same event again, processed in the state reached;
 * - variables are strings (context.vars).
 */
import type { DsmAction, DsmCall, DsmFunction, DsmScript, DsmState, DsmTransition } from '../ast.js';
import { dsmErrors } from '../errors.js';
import { ActionTranslator, queryFact } from './actions.js';
import { translateConditions } from './conditions.js';
import { B2B_CALLEE, flowConstName, flowId, type AppFacts, type FlowScope, type QueryFact } from './context.js';
import { callSites, fsmActionAt, fsmDiagrams, fsmStateId, fsmTarget } from './sub-fsm.js';
import { quoteTs } from './values.js';

interface TransitionCode {
  events: string[] | undefined;
  /** Whether it has a guard of its own (conditions beyond the event type). */
  guarded: boolean;
  code: (extraGuard?: string) => string;
  exception: boolean;
}

const EXCEPTION_EVENTS = ['error', 'dsm.exception'];

/** mod_mysql actions that run SQL (as a typed lookup effect, see lookups.ts). */
const QUERIES = new Set(['mysql.query', 'mysql.queryGetResult', 'mysql.execute']);

/** Runtime helpers bound to the flow's context and events (dsmActions()); the others are imported as they are. */
const BOUND = new Set([
  'setVars',
  'clearVars',
  'repost',
  'repostAfterEffect',
  'throwException',
  'throwOnError',
  'dsmLog',
  'dialout',
  'storeRows',
  'queryFailed',
  'getResult',
  'beginEffect',
  'defer',
  'endEffect',
  'forLoop',
  'breakLoop',
  'setTimer',
  'removeTimer',
  'removeTimers',
  'pushReturn',
  'popReturn',
  'skipOnReturn',
  'switchFsm',
  'b2bConnect',
  'b2bTerminateOther',
  'b2bHeaders',
  'sharedActions',
]);

/** Where a transition's action list goes in the text until it is known whether the list repeats (see ActionBlocks). */
const BLOCK_MARK = '\u0000block';

/**
 * The action lists of a flow's transitions. The flow repeats a DSM transition: one with several `from` states, or one
 * that fires on any event, is listed once per state and event key. Its actions, when they are written more than once,
 * become one named helper (`const <transition name>Actions = sharedActions(...)`, typed by the flow's context and
 * events) that each copy names; actions written once stay inline. (Two DSM transitions with the same actions keep a
 * list each, as in the script.)
 */
class ActionBlocks {
  private readonly byText = new Map<
    string,
    { id: number; acts: string[]; uses: number; label: string; where: string; line: number; name?: string }
  >();

  /** A mark for `acts` in the text of the DSM transition `transitionName` (at `where`, file:line). */
  ref(acts: string[], transitionName: string, where: string, line: number): string {
    const key = `${where} ${transitionName}\n${acts.join(',\n')}`;
    let block = this.byText.get(key);
    if (!block) {
      block = { id: this.byText.size, acts, uses: 0, label: transitionName, where, line };
      this.byText.set(key, block);
    }
    block.uses++;
    return `${BLOCK_MARK}${block.id}\u0000`;
  }

  /** Names the repeated lists (first use first) and returns their helpers' code; none when nothing repeats. */
  helpers(): string[] {
    const taken = new Set<string>(['dsmActions', 'sharedActions']);
    const out: string[] = [];
    for (const block of this.byText.values()) {
      if (block.uses < 2) continue;
      const words = block.label
        .replace(/['\u2019]/g, '')
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean);
      // camelCase; a word in capitals is one word ("BYE received" → byeReceived).
      const camel = words.map((w, i) => {
        const word = w.length > 1 && w === w.toUpperCase() ? w.toLowerCase() : w;
        return (i === 0 ? word[0]!.toLowerCase() : word[0]!.toUpperCase()) + word.slice(1);
      });
      let name = camel.join('') || 'transition';
      if (/^[0-9]/.test(name)) name = `on${name}`;
      name = `${name}Actions`;
      if (taken.has(name)) name = `${name.slice(0, -'Actions'.length)}At${block.line}Actions`;
      for (let n = 2; taken.has(name); n++) name = `${name.replace(/\d*$/, '')}${n}`;
      taken.add(name);
      block.name = name;
      out.push(
        `/** ${block.where} "${block.label.replace(/\*\//g, '* /')}": its actions, in ${block.uses} transitions. */\nconst ${name} = sharedActions(\n${indent(block.acts.join(',\n'), 2)},\n);`,
      );
    }
    return out;
  }

  /** The flow's text with each mark replaced by its helper's name, or by the list itself where it is written once. */
  resolve(source: string): string {
    const byId = new Map([...this.byText.values()].map((b) => [String(b.id), b]));
    return source.replace(new RegExp(`^( *)(.*)${BLOCK_MARK}(\\d+)\u0000`, 'gm'), (_m, pad: string, before: string, id: string) => {
      const block = byId.get(id)!;
      if (block.name) return `${pad}${before}${block.name}`;
      return `${pad}${before}[\n${indent(block.acts.join(',\n'), pad.length + 2)},\n${pad}]`;
    });
  }
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

/** Collect the diagram's states (declared, and named by transitions only) and check the script. */
function statesOf(script: DsmScript): {
  states: Map<string, DsmState>;
  transitions: DsmTransition[];
  functions: Map<string, DsmFunction>;
  initial: string;
} {
  const states = new Map<string, DsmState>();
  const transitions: DsmTransition[] = [];
  const functions = new Map<string, DsmFunction>();
  for (const item of script.items) {
    if (item.kind === 'state') {
      if (states.has(item.name)) throw dsmErrors.duplicateState(script.file, item.at, item.name);
      states.set(item.name, item);
    } else if (item.kind === 'transition') transitions.push(item);
    else if (item.kind === 'function') functions.set(item.name, item);
  }
  const initial = [...states.values()].find((s) => s.initial)?.name;
  if (!initial) throw dsmErrors.noInitialState(script.file);
  for (const t of transitions) {
    for (const s of [...t.from, t.to]) if (!states.has(s)) throw dsmErrors.unknownState(script.file, t.at, s, t.name);
  }
  return { states, transitions, functions, initial };
}

/** Where the first call of `name` is in the script (any action list), if any. */
function findCall(script: DsmScript, name: string): { line: number; column: number; file?: string } | undefined {
  const walk = (actions: DsmAction[]): { line: number; column: number; file?: string } | undefined => {
    for (const a of actions) {
      if (a.kind === 'call' && a.name === name) return a.at;
      const inner = a.kind === 'if' ? walk([...a.then, ...a.else]) : a.kind === 'for' ? walk(a.body) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  for (const item of script.items) {
    const list =
      item.kind === 'state' ? [...item.enter, ...item.exit] : item.kind === 'transition' ? item.actions : item.kind === 'function' ? item.body : [];
    const at = walk(list);
    if (at) return at;
  }
  return undefined;
}

export interface FlowFile {
  /** File name in the app's src/ ('quizconnect_caller.ts'). */
  fileName: string;
  constName: string;
  source: string;
}

/** One way a transition goes: where, with which actions, under which extra guard (jump/call/return variants). */
interface Variant {
  target: string;
  acts: string[];
  guard?: string;
}

export function translateFlow(script: DsmScript, facts: AppFacts, all: Map<string, DsmScript> = new Map([[script.name, script]])): FlowFile {
  const mainFile = script.file.split('/').pop() ?? script.file;
  const scope: FlowScope = {
    facts,
    file: mainFile,
    flowImports: new Set(['flowConfig']),
    dsmImports: new Set(['dsmContext']),
    xstateImports: new Set(['setup']),
    dials: new Set(),
    appTargets: new Map(),
    ownEvents: new Set(),
  };
  const constName = flowConstName(script.name);
  // Sub-FSMs: the diagrams this flow holds as compound states (none: the diagram's states alone).
  const fsmList = fsmDiagrams(script, all);
  const fsm = fsmList.length > 0;
  const sites = callSites(fsmList);
  const inFlow = new Set(fsmList.map((d) => d.name));
  const translators = new Map<string, ActionTranslator>();
  const translatorOf = (d: DsmScript): ActionTranslator => {
    let t = translators.get(d.name);
    if (!t) {
      t = new ActionTranslator(scope, statesOf(d).functions);
      t.fsmMode = true;
      translators.set(d.name, t);
    }
    return t;
  };
  /** The ways back of a returnFSM: one per call site, guarded by it being the last one remembered. */
  const returnVariants = (before: string[]): Variant[] =>
    sites.map((site) => {
      const caller = fsmList.find((d) => d.name === site.diagram)!;
      const saved = scope.file;
      scope.file = caller.file.split('/').pop() ?? caller.file;
      const rest = translatorOf(caller).list(site.rest);
      scope.file = saved;
      scope.dsmImports.add('returnsTo');
      scope.dsmImports.add('popReturn');
      return {
        target: `#${fsmStateId(site.diagram)}.${site.state}`,
        acts: [...before, 'popReturn()', ...rest],
        guard: `returnsTo(c, ${quoteTs(site.id)})`,
      };
    });
  const rootFsm: string[] = [];
  const actionBlocks = new ActionBlocks();
  let rootReturns = false;
  const queries: QueryFact[] = [];

  const diagramStates = (diagram: DsmScript, isMain: boolean): { blocks: string[]; initial: string } => {
    const file = diagram.file.split('/').pop() ?? diagram.file;
    scope.file = file;
    const { states, transitions, initial } = statesOf(diagram);
    const actions = fsm ? translatorOf(diagram) : new ActionTranslator(scope, statesOf(diagram).functions);

    const transitionCode = (t: DsmTransition, from: string): TransitionCode => {
      const { events, guards } = translateConditions(t.conditions, scope, t.exception);
      const fsmAt = fsm ? fsmActionAt(t.actions) : -1;
      const fsmCall = fsmAt >= 0 ? (t.actions[fsmAt] as DsmCall) : undefined;
      const fsmTo = fsmCall && fsmCall.name !== 'returnFSM' ? fsmTarget(fsmCall) : undefined;
      let variants: Variant[];
      if (fsmCall && fsmCall.name === 'returnFSM') {
        const before = actions.list(t.actions.slice(0, fsmAt));
        // Nothing to return to: SEMS goes on with the actions after it, to the transition's target.
        variants = [...returnVariants(before), { target: t.to, acts: [...before, ...actions.list(t.actions.slice(fsmAt + 1))] }];
      } else if (fsmCall && fsmTo !== undefined && inFlow.has(fsmTo)) {
        const acts = actions.list(t.actions.slice(0, fsmAt));
        if (fsmCall.name === 'callFSM') {
          scope.dsmImports.add('pushReturn');
          acts.push(`pushReturn(${quoteTs(`${diagram.name}.${from}.${fsmCall.at.line}`)})`);
        }
        variants = [{ target: `#${fsmStateId(fsmTo)}`, acts }];
      } else variants = [{ target: t.to, acts: actions.list(t.actions) }];
      const throwAt = t.actions.findIndex((a) => a.kind === 'call' && a.name === 'throw');
      if (throwAt >= 0 && throwAt < t.actions.length - 1) {
        facts.todos.push({
          where: `${t.at.file ?? file}:${t.at.line}`,
          what: `actions after throw() in "${t.name}" still run in sipflow (DSM skips them)`,
        });
      }
      return {
        events,
        guarded: guards.length > 0,
        exception: t.exception,
        code: (extraGuard) =>
          variants
            .map((variant) => {
              const conds = [...(extraGuard ? [extraGuard] : []), ...guards, ...(variant.guard ? [variant.guard] : [])];
              const lines = [`target: ${quoteTs(variant.target)}`, 'reenter: true', `description: ${quoteTs(t.name)}`];
              if (conds.length) lines.push(`guard: ({ context: c, event: e }) => ${conds.join(' && ')}`);
              if (variant.acts.length)
                lines.push(`actions: ${actionBlocks.ref(variant.acts, t.name, `${t.at.file ?? file}:${t.at.line}`, t.at.line)}`);
              return `// ${t.at.file ?? file}:${t.at.line}\n{\n${indent(lines.join(',\n'), 2)},\n}`;
            })
            .join(',\n'),
      };
    };

    const stateBlocks: string[] = [];
    for (const state of states.values()) {
      const outgoing = transitions.filter((t) => t.from.includes(state.name)).map((t) => transitionCode(t, state.name));
      const lines: string[] = [];
      const final = outgoing.length === 0;
      if (final) lines.push("type: 'final'");
      // A mysql.query in the enter actions: the actions before it are the entry, the query is invoked as a typed
      // effect, and the actions after it run when it is done (or failed: $errno), as DSM ran them after the query.
      const queryAt = state.enter.findIndex((a) => a.kind === 'call' && QUERIES.has(a.name));
      // jumpFSM/callFSM/returnFSM in the enter actions: the actions before it, then the flow's root switches diagrams.
      const enterFsmAt = fsm && queryAt < 0 ? fsmActionAt(state.enter) : -1;
      let entry = actions.list(queryAt >= 0 ? state.enter.slice(0, queryAt) : enterFsmAt >= 0 ? state.enter.slice(0, enterFsmAt) : state.enter);
      if (enterFsmAt >= 0) {
        const call = state.enter[enterFsmAt] as DsmCall;
        const to = call.name === 'returnFSM' ? undefined : fsmTarget(call);
        const site = `${diagram.name}.${state.name}.${call.at.line}`;
        if (call.name === 'returnFSM') {
          rootReturns = true;
          entry.push("switchFsm('return', '', '')");
          scope.dsmImports.add('switchFsm');
        } else if (to !== undefined && inFlow.has(to)) {
          const kind = call.name === 'jumpFSM' ? 'jump' : 'call';
          entry.push(`switchFsm('${kind}', ${quoteTs(to)}, ${quoteTs(site)})`);
          scope.dsmImports.add('switchFsm');
          if (kind === 'call') scope.dsmImports.add('pushReturn');
          rootFsm.push(
            `// ${call.at.file ?? file}:${call.at.line}\n{\n${indent(
              [
                `target: ${quoteTs(`#${fsmStateId(to)}`)}`,
                'reenter: true',
                `description: ${quoteTs(`${call.name}(${to})`)}`,
                `guard: ({ event: e }) => e.params.kind === '${kind}' && e.params.site === ${quoteTs(site)}`,
                ...(kind === 'call' ? [`actions: pushReturn(${quoteTs(site)})`] : []),
              ].join(',\n'),
              2,
            )},\n}`,
          );
        } else entry.push(...actions.list([call]));
      }
      // A state a callFSM was made from: returnFSM comes back to it without running its enter actions again.
      if (fsm && sites.some((site) => site.diagram === diagram.name && site.state === state.name)) {
        scope.dsmImports.add('skipOnReturn');
        entry = [`skipOnReturn([${entry.length ? `\n${indent(entry.join(',\n'), 2)},\n` : ''}])`];
      }
      const exit = actions.list(state.exit);
      if (queryAt >= 0) {
        entry.push('beginEffect()');
        exit.push('endEffect()');
        for (const n of ['beginEffect', 'endEffect', 'defer', 'isDsmEvent']) scope.dsmImports.add(n);
      }
      if (entry.length) lines.push(`entry: [\n${indent(entry.join(',\n'), 2)},\n]`);
      if (queryAt >= 0) {
        const q = queryFact(state.enter[queryAt] as DsmCall, script.name, state.enter[queryAt]!.at.file ?? file);
        facts.queries.push(q);
        const queryName = (state.enter[queryAt] as DsmCall).name;
        facts.translated.set(queryName, (facts.translated.get(queryName) ?? 0) + 1);
        queries.push(q);
        actions.afterEffect = true;
        const after = actions.list(state.enter.slice(queryAt + 1));
        // queryGetResult: the first row's columns into variables at once.
        if (queryName === 'mysql.queryGetResult') {
          scope.dsmImports.add('getResult');
          after.unshift("getResult(() => '0')");
        }
        actions.afterEffect = false;
        scope.dsmImports.add('storeRows');
        scope.dsmImports.add('queryFailed');
        if (q.params.length) scope.dsmImports.add('v');
        const input = `({ context: c }) => ({ ${q.params.map((n) => `${quoteTs(n)}: v(c, ${quoteTs(n)})`).join(', ')} })`;
        const list = (first: string, last: string): string => `[\n${indent([first, ...after, last].join(',\n'), 2)},\n]`;
        lines.push(
          `// ${state.enter[queryAt]!.at.file ?? file}:${state.enter[queryAt]!.at.line}: mysql.query(${q.sql.replace(/\*\//g, '* /')})\ninvoke: {\n${indent(
            [
              `src: ${quoteTs(q.name)}`,
              `input: ${input}`,
              `onDone: { actions: ${list('storeRows()', 'endEffect()')} }`,
              `onError: { actions: ${list('queryFailed()', 'endEffect()')} }`,
            ].join(',\n'),
            2,
          )},\n}`,
        );
      }
      if (exit.length) lines.push(`exit: [\n${indent(exit.join(',\n'), 2)},\n]`);
      if (!final) {
        // Event keys: every event some transition names; '*' when a transition fires on any event (then a hangup
        // gets its own key too: the review wants it handled without the isDsmEvent guard).
        const keys: string[] = [];
        for (const t of outgoing) for (const ev of t.events ?? []) if (!keys.includes(ev)) keys.push(ev);
        const anyEvent = outgoing.some((t) => t.events === undefined);
        if (anyEvent && !keys.includes('sip.hangup')) keys.push('sip.hangup');
        const on: string[] = [];
        let hangupHandled = false;
        // While a query runs, DSM events wait for it. Exceptions do not (they interrupt, as in DSM), and neither does a
        // hangup: the call is over, a query that never answers must not keep the leg.
        const deferring = queryAt >= 0;
        const deferCode = (guard: string): string =>
          `// the query is running: this event waits for it\n{ guard: ({ context: c, event: e }) => ${guard}, actions: defer() }`;
        for (const key of keys) {
          const list = outgoing.filter((t) => (t.events === undefined ? !EXCEPTION_EVENTS.includes(key) : t.events.includes(key)));
          if (key === 'sip.hangup') hangupHandled = list.some((t) => !t.guarded);
          const codes = list.map((t) => t.code());
          if (deferring && !EXCEPTION_EVENTS.includes(key) && key !== 'sip.hangup') codes.unshift(deferCode('c.busy'));
          on.push(`${quoteTs(key)}: [\n${indent(codes.join(',\n'), 2)},\n]`);
        }
        if (anyEvent || deferring) {
          scope.dsmImports.add('isDsmEvent');
          const codes = outgoing.filter((t) => t.events === undefined).map((t) => t.code('isDsmEvent(e)'));
          if (deferring) codes.unshift(deferCode("c.busy && isDsmEvent(e) && e.type !== 'sip.hangup'"));
          on.push(`'*': [\n${indent(codes.join(',\n'), 2)},\n]`);
        }
        // The runtime delivers the INVITE first: the initial state waiting for it cannot see a hangup (the review agrees).
        const exempt = isMain && state.name === initial && keys.includes('sip.invite');
        const onCode = `on: {\n${indent(on.join(',\n'), 2)},\n}`;
        if (!hangupHandled && !exempt) {
          const why = keys.includes('sip.hangup') ? 'takes a hangup only under conditions' : 'has no transition for a hangup';
          facts.todos.push({
            where: `${state.at.file ?? file}:${state.at.line}`,
            what: `state ${state.name} ${why} (DSM let it through): decide what it does`,
          });
          lines.push(`// TODO(${state.at.file ?? file}:${state.at.line}): DSM state ${state.name} ${why}; the review asks what it does.\n${onCode}`);
        } else lines.push(onCode);
      }
      stateBlocks.push(`// ${state.at.file ?? file}:${state.at.line}\n${state.name}: {\n${indent(lines.join(',\n'), 2)},\n}`);
    }
    return { blocks: stateBlocks, initial };
  };

  let initial: string;
  let stateBlocks: string[];
  let rootOn = '';
  if (!fsm) ({ blocks: stateBlocks, initial } = diagramStates(script, true));
  else {
    // Every diagram a compound state (its id: FSM_<diagram>); reaching a final state of any ends the flow.
    initial = fsmStateId(script.name);
    stateBlocks = fsmList.map((d, i) => {
      const { blocks, initial: first } = diagramStates(d, i === 0);
      const body = [
        `id: ${quoteTs(fsmStateId(d.name))}`,
        `initial: ${quoteTs(first)}`,
        `onDone: { target: 'FSM_DONE', description: ${quoteTs(`${d.name} ended`)} }`,
        // SEMS ends the call on a BYE/CANCEL the script does not mark #processed: what no state of the diagram takes.
        "on: { 'sip.hangup': { target: 'FSM_DONE', description: 'hangup no state takes' } }",
        `states: {\n${indent(blocks.join(',\n'), 2)},\n}`,
      ];
      return `// diagram ${d.name} (${d.file.split('/').pop() ?? d.file})\n${fsmStateId(d.name)}: {\n${indent(body.join(',\n'), 2)},\n}`;
    });
    stateBlocks.push("FSM_DONE: { type: 'final' }");
    scope.file = mainFile;
    const handlers = [...rootFsm];
    if (rootReturns)
      handlers.push(
        ...returnVariants([]).map(
          (r) =>
            `// returnFSM() in enter actions\n{\n${indent(
              [
                `target: ${quoteTs(r.target)}`,
                'reenter: true',
                "description: 'returnFSM()'",
                `guard: ({ context: c, event: e }) => e.params.kind === 'return' && ${r.guard!}`,
                `actions: [\n${indent(r.acts.join(',\n'), 2)},\n]`,
              ].join(',\n'),
              2,
            )},\n}`,
        ),
      );
    if (handlers.length) scope.ownEvents.add('DsmFsmEvent');
    if (handlers.length) rootOn = `\n    on: {\n      'dsm.fsm': [\n${indent(handlers.join(',\n'), 8)},\n      ],\n    },`;
  }
  const file = mainFile;

  if (queries.length) {
    scope.flowImports.add('effect');
    scope.flowImports.add('type EffectArgs');
  }
  const actors = queries.length
    ? `\n  actors: {\n${queries
        .map(
          (q) =>
            `    ${quoteTs(q.name)}: effect(async ({ input, services }: EffectArgs<Parameters<AppServices['resources']['${q.name}']>[0], AppServices>) =>\n      services.resources.${q.name}(input),\n    ),`,
        )
        .join('\n')}\n  },`
    : '';
  // DSM had no event for a dialled leg that fails or ends: the flow must decide (the review's path checks ask).
  const dialAt = findCall(script, 'dlg.dialout');
  const legTodo = dialAt
    ? `\n    // TODO(${dialAt.file ?? file}:${dialAt.line}): DSM had no event for a dialled leg failing or ending (leg.failed, leg.ended); decide what this flow does.`
    : '';
  if (dialAt)
    facts.todos.push({
      where: `${dialAt.file ?? file}:${dialAt.line}`,
      what: 'a dialled leg that fails or ends (leg.failed, leg.ended) is not handled: DSM had no event for it',
    });
  const helpers = actionBlocks.helpers();
  if (helpers.length) scope.dsmImports.add('sharedActions');
  const dialImports = [...scope.dials].filter((d) => d !== script.name).map((d) => `import { ${facts.diagrams.get(d)} } from './${d}.js';`);
  if (scope.b2b) dialImports.push(`import { b2bCalleeFlow } from './${B2B_CALLEE}.js';`);
  const source = actionBlocks.resolve(`/**
 * ${script.name}: imported from ${file} by \`npm run import-dsm\`. Each transition names its DSM line; TODOs name
 * the DSM line that needs a hand. DSM semantics are kept: first matching transition in declaration order, across
 * event types; a transition with no event condition fires on any DSM event; every transition re-enters its target
 * (exit, actions, entry); only exception transitions take errors and throw(); repost() processes the event again.
 */
import { ${[...scope.xstateImports].sort().join(', ')} } from 'xstate';
import { ${[...scope.flowImports].sort().join(', ')} } from '@sipflow/runtime/flow';
import { ${[...scope.dsmImports]
    .filter((n) => !BOUND.has(n))
    .concat(['dsmActions'])
    .sort()
    .join(', ')}, type DsmContext, type DsmInput${[...scope.ownEvents]
    .sort()
    .map((t) => `, type ${t}`)
    .join('')} } from '@sipflow/dsm-import/runtime';
import type { AppConfig } from './config.js';
${queries.length ? "import type { AppServices } from './lookups.js';\n" : ''}import type { AppEvents } from './messages.js';
${dialImports.join('\n')}${dialImports.length ? '\n' : ''}
const { ${[...scope.dsmImports]
    .filter((n) => BOUND.has(n))
    .sort()
    .join(', ')} } = dsmActions<DsmContext<AppConfig>, AppEvents>();
${helpers.map((h) => `\n${h}\n`).join('')}
export const ${constName} = setup({
  types: {
    input: {} as DsmInput<AppConfig>,
    context: {} as DsmContext<AppConfig>,
    events: {} as AppEvents${[...scope.ownEvents]
      .sort()
      .map((t) => ` | ${t}`)
      .join('')},
  },${actors}
}).createMachine(
  flowConfig({
    id: ${quoteTs(flowId(facts.app, script.name))},
    initial: ${quoteTs(initial)},
    context: ({ input }) => dsmContext(input),${legTodo}${rootOn}
    states: {
${indent(stateBlocks.join(',\n'), 6)},
    },
  }),
);
`);
  return { fileName: `${script.name}.ts`, constName, source };
}
