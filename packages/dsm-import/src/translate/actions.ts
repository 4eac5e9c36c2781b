/**
 * DSM actions → XState actions built from sipflow's building blocks (one TS expression per DSM action, in order).
 * Core and common-module actions map to play/flush/reply/progress/answer/join/hangup/sendToLeg/dial; variable
 * actions to setVars; an action with no counterpart becomes unsupported('name', 'file:line'), which the flow review
 * reports.
 */
import type { DsmAction, DsmCall, DsmFor, DsmFunction } from '../ast.js';
import { translateConditions } from './conditions.js';
import { messageType, whereOf, type FlowScope, type QueryFact } from './context.js';
import { quoteTs, splitArgs, splitAssignment, templateExpr, unquote, valueExpr } from './values.js';

/** Actions that have nothing to do in sipflow (the playlist is always the session's input and output, etc.). */
const NO_OPS: Record<string, string> = {
  setInOutPlaylist: 'the playlist is always the session input and output',
  setInputPlaylist: 'the playlist is always the session input',
  setOutputPlaylist: 'the playlist is always the session output',
  connectMedia: 'media connects with the 183/200',
  enableDTMFDetection: 'DTMF is always detected (RFC 4733, SIP INFO, in-band)',
  'mysql.connect': "the app's setup() owns database connections",
  'mysql.disconnect': "the app's setup() owns database connections",
  'dlg.acceptInvite(183)': '',
};

export interface ActionsOut {
  /** One TS action expression per entry. */
  actions: string[];
  /** Whether the list reposts the event. */
  reposts: boolean;
}

function bodyFn(expr: string): string {
  return `({ context: c, event: e }) => ${expr}`;
}

export class ActionTranslator {
  /** Set while translating the actions that follow an effect (they run in its onDone/onError). */
  afterEffect = false;
  /** The flow holds sub-FSMs (sub-fsm.ts): a returnFSM the flow did not translate is one it cannot. */
  fsmMode = false;

  constructor(
    private readonly scope: FlowScope,
    private readonly functions: Map<string, DsmFunction>,
  ) {}

  /** How many for loops the actions being translated are in (break() is only translated inside one). */
  private loops = 0;

  list(actions: DsmAction[]): string[] {
    const out: string[] = [];
    for (const a of actions) {
      if (a.kind === 'if') out.push(this.ifAction(a.conditions, a.then, a.else));
      else if (a.kind === 'for') out.push(this.forLoop(a));
      else out.push(...this.call(a));
    }
    return out;
  }

  /**
   * for ($x in range(a, b)) / for ($x in $array) / for ($k, $v in $struct) → forLoop(): the passes are worked out at
   * run time, from the variables then; break() inside it skips the rest of the loop.
   */
  private forLoop(a: DsmFor): string {
    const m = /^\$?([A-Za-z_][\w.]*)\s*(?:,\s*\$?([A-Za-z_][\w.]*)\s*)?\s+in\s+(.+)$/s.exec(a.header);
    const range = m ? /^range\s*\((.*)\)$/s.exec(m[3]!.trim()) : null;
    const collection = m?.[3]!.trim();
    let spec: string | undefined;
    if (m && range) {
      const [from = '', to = ''] = splitArgs(range[1]!);
      if (!m[2]) spec = `{ kind: 'range', counter: ${quoteTs(m[1]!)}, from: ${valueExpr(from, this.scope)}, to: ${valueExpr(to, this.scope)} }`;
    } else if (m && collection && /^\$[A-Za-z_][\w.]*$/.test(collection)) {
      const name = quoteTs(collection.slice(1));
      spec = m[2]
        ? `{ kind: 'struct', key: ${quoteTs(m[1]!)}, value: ${quoteTs(m[2])}, struct: ${name} }`
        : `{ kind: 'array', counter: ${quoteTs(m[1]!)}, array: ${name} }`;
    }
    if (!spec) return this.unsupported(`for (${a.header})`, a.at);
    this.count('for');
    this.loops++;
    const body = this.list(a.body);
    this.loops--;
    const items = body.map((b) => `${b},`.replace(/^/gm, '  ')).join('\n');
    return `${this.dsm('forLoop')}(${bodyFn(`(${spec})`)}, [${body.length ? `\n${items}\n` : ''}])`;
  }

  private count(name: string): void {
    this.scope.facts.translated.set(name, (this.scope.facts.translated.get(name) ?? 0) + 1);
  }

  private unsupported(name: string, at: DsmCall['at']): string {
    const where = whereOf(this.scope, at);
    this.scope.facts.unsupported.push({ where, what: name });
    this.scope.dsmImports.add('unsupported');
    return `unsupported(${quoteTs(name)}, ${quoteTs(where)})`;
  }

  private flow(name: string): string {
    this.scope.flowImports.add(name);
    return name;
  }

  private dsm(name: string): string {
    this.scope.dsmImports.add(name);
    return name;
  }

  private set(entries: Array<[string, string]>): string {
    return `${this.dsm('setVars')}(${bodyFn(`({ ${entries.map(([k, val]) => `${quoteTs(k)}: ${val}`).join(', ')} })`)})`;
  }

  private ifAction(
    conditions: DsmAction extends never ? never : Parameters<typeof translateConditions>[0],
    then: DsmAction[],
    otherwise: DsmAction[],
  ): string {
    const { events, guards } = translateConditions(conditions, this.scope, false);
    const typeCheck = events ? [`(${events.map((t) => `(e.type as string) === ${quoteTs(t)}`).join(' || ') || 'false'})`] : [];
    const cond = [...typeCheck, ...guards].join(' && ') || 'true';
    this.scope.xstateImports.add('enqueueActions');
    const branch = (list: DsmAction[]): string =>
      this.list(list)
        .map((a) => `enqueue(${a});`)
        .join(' ');
    return `enqueueActions(({ context: c, event: e, enqueue }) => { if (${cond}) { ${branch(then)} } else { ${branch(otherwise)} } })`;
  }

  call(a: DsmCall): string[] {
    const name = a.name;
    const args = splitArgs(a.args);
    const arg = (i: number): string => args[i] ?? '';
    const fn = this.functions.get(name);
    if (fn) return this.list(fn.body);
    this.count(name);
    switch (name) {
      // Variables: all strings.
      case 'set':
      case 'sets':
      case 'eval': {
        const asg = splitAssignment(a.args ?? '');
        if (!asg) return [this.unsupported(name, a.at)];
        if (asg.name.startsWith('#')) return []; // set(#processed=true): no default behaviour to suppress in sipflow
        // set(b_leg_app=diagram): remembered, so dlg.dialout(b_leg) imports just that flow.
        if (asg.name.endsWith('_app') && name === 'set' && /^[A-Za-z0-9_]+$/.test(asg.value.trim())) {
          this.scope.appTargets.set(asg.name.slice(0, -4), asg.value.trim());
        }
        const value =
          name === 'sets'
            ? templateExpr(asg.value, this.scope)
            : name === 'eval'
              ? `${this.dsm('evalSum')}(${templateExpr(asg.value, this.scope)})`
              : valueExpr(asg.value, this.scope);
        return [this.set([[asg.name, value]])];
      }
      case 'var': {
        const asg = splitAssignment(a.args ?? '');
        if (!asg) return [this.unsupported(name, a.at)];
        return [this.set([[asg.name, `${this.dsm('v')}(c, ${valueExpr(asg.value, this.scope)})`]])];
      }
      case 'param': {
        const asg = splitAssignment(a.args ?? '');
        if (!asg) return [this.unsupported(name, a.at)];
        return [this.set([[asg.name, `${this.dsm('p')}(e, ${valueExpr(asg.value, this.scope)})`]])];
      }
      case 'setVar': {
        const asg = splitAssignment(a.args ?? '');
        if (!asg) return [this.unsupported(name, a.at)];
        this.scope.dsmImports.add('setVars');
        return [`setVars(({ context: c, event: e }) => ({ [${valueExpr(`$${asg.name}`, this.scope)}]: ${valueExpr(asg.value, this.scope)} }))`];
      }
      case 'append': {
        const target = arg(0).replace(/^\$/, '');
        return [this.set([[target, `${this.dsm('v')}(c, ${quoteTs(target)}) + ${valueExpr(arg(1), this.scope)}`]])];
      }
      case 'substr': {
        const target = arg(0).replace(/^\$/, '');
        const end = args.length > 2 ? `, Number(${valueExpr(arg(1), this.scope)}) + Number(${valueExpr(arg(2), this.scope)})` : '';
        return [this.set([[target, `${this.dsm('v')}(c, ${quoteTs(target)}).slice(Number(${valueExpr(arg(1), this.scope)})${end})`]])];
      }
      case 'inc': {
        const target = arg(0).replace(/^\$/, '');
        return [this.set([[target, `${this.dsm('inc')}(${this.dsm('v')}(c, ${quoteTs(target)}))`]])];
      }
      case 'clear':
        return [this.set([[arg(0).replace(/^\$/, ''), 'undefined']])];
      case 'clearStruct':
      case 'clearArray':
        return [`${this.dsm('clearVars')}(${quoteTs(arg(0).replace(/^\$/, ''))}, '${name === 'clearStruct' ? 'struct' : 'array'}')`];
      case 'size': {
        const arr = arg(0).replace(/^\$/, '');
        const dst = arg(1).replace(/^\$/, '');
        return [
          this.set([[dst, `String(Object.keys(c.vars).filter((k) => /^${arr.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\[\\d+\\]$/.test(k)).length)`]]),
        ];
      }
      // Flow of control.
      case 'repost':
        return this.afterEffect ? [`${this.dsm('repostAfterEffect')}()`] : [`${this.dsm('repost')}()`];
      case 'stop':
        // stop(true)/stop(): BYE (or the reply/CANCEL the call's state needs). stop(false): the call ends when the
        // flow reaches a final state (the target of this transition, when it has no way out).
        return unquote(arg(0)) === 'false' ? [] : [`${this.flow('hangup')}()`];
      case 'throw': {
        const params: Array<[string, string]> = [['type', quoteTs(unquote(arg(0)))]];
        for (const kv of splitArgs(args.slice(1).join(','), ';')) {
          const asg = splitAssignment(kv);
          if (asg) params.push([asg.name, valueExpr(asg.value, this.scope)]);
        }
        return [`${this.dsm('throwException')}(${bodyFn(`({ ${params.map(([k, val]) => `${quoteTs(k)}: ${val}`).join(', ')} })`)})`];
      }
      case 'jumpFSM':
      case 'callFSM':
      case 'returnFSM':
        // Translated by the flow (sub-fsm.ts) at the top level of transition and enter actions, to a diagram of the
        // app; here it is inside if/for/a function, in exit actions, or names a diagram not imported.
        // A diagram that switches to no other (one only called): returnFSM has nothing to return to, and SEMS logs
        // that and goes on with the actions after it.
        if (name === 'returnFSM' && !this.fsmMode) return [`${this.dsm('dsmLog')}(0, () => 'returnFSM(): nothing to return to')`];
        return [this.unsupported(name, a.at)];
      // B2B call control: a second leg running the app's B-leg flow (b2b_callee.ts), media through a room.
      case 'B2B.connectCallee':
        this.scope.facts.b2b = true;
        this.scope.xstateImports.add('type AnyStateMachine');
        this.scope.b2b = true;
        return [
          `${this.dsm('b2bConnect')}(${bodyFn(valueExpr(arg(0), this.scope))}, ${bodyFn(valueExpr(arg(1), this.scope))}, (): AnyStateMachine => b2bCalleeFlow)`,
        ];
      case 'B2B.terminateOtherLeg':
        return [`${this.dsm('b2bTerminateOther')}()`];
      case 'B2B.addHeader':
      case 'B2B.setHeaders':
      case 'B2B.removeHeader':
        return [
          `${this.dsm('b2bHeaders')}('${name === 'B2B.addHeader' ? 'add' : name === 'B2B.setHeaders' ? 'set' : 'remove'}', ${bodyFn(valueExpr(arg(0), this.scope))})`,
        ];
      case 'B2B.clearHeaders':
        return [`${this.dsm('b2bHeaders')}('clear', () => '')`];
      case 'break':
        // Inside a for loop: the rest of the loop is skipped. Elsewhere SEMS also skips the rest of the action list
        // and the transition's target state: not translated.
        return this.loops > 0 ? [`${this.dsm('breakLoop')}()`] : [this.unsupported('break (outside a for loop)', a.at)];
      // Timers: session-wide, a `dsm.timer` event with #id when one fires.
      case 'setTimer':
        return [`${this.dsm('setTimer')}(${bodyFn(valueExpr(arg(0), this.scope))}, ${bodyFn(valueExpr(arg(1), this.scope))})`];
      case 'removeTimer':
        return [`${this.dsm('removeTimer')}(${bodyFn(valueExpr(arg(0), this.scope))})`];
      case 'removeTimers':
        return [`${this.dsm('removeTimers')}()`];
      case 'throwOnError':
        return [`${this.dsm('throwOnError')}()`];
      // Logging.
      case 'log':
      case 'logs':
        return [
          `${this.dsm('dsmLog')}(${Number(unquote(arg(0))) || 0}, ${bodyFn(name === 'logs' ? templateExpr(arg(1), this.scope) : valueExpr(arg(1), this.scope))})`,
        ];
      case 'dbg':
      case 'info':
      case 'warn':
      case 'error':
        return [`${this.dsm('dsmLog')}(${{ dbg: 3, info: 2, warn: 1, error: 0 }[name]}, ${bodyFn(templateExpr(arg(0), this.scope))})`];
      case 'logParams':
      case 'logVars':
      case 'logSelects':
      case 'logAll':
        return [`${this.dsm('dsmLog')}(${Number(unquote(arg(0))) || 0}, () => ${quoteTs(name)})`];
      // Media.
      case 'playFile':
      case 'playFileFront':
      case 'playPrompt':
      case 'playPromptFront':
      case 'playPromptLooped': {
        const options: string[] = [];
        if (name.endsWith('Front')) options.push('front: true');
        if (name === 'playPromptLooped' || unquote(arg(1)) === 'true') options.push('loop: true');
        const prompt = name.startsWith('playPrompt') ? `${templateExpr(arg(0), this.scope)} + '.wav'` : valueExpr(arg(0), this.scope);
        return [`${this.flow('play')}(${bodyFn(prompt)}${options.length ? `, { ${options.join(', ')} }` : ''})`];
      }
      case 'closePlaylist':
      case 'flushPlaylist':
        return [`${this.flow('flush')}()`];
      // mod_dlg.
      case 'dlg.reply':
        return [`${this.flow('reply')}(${Number(unquote(arg(0))) || 500}${args.length > 1 ? `, ${quoteTs(unquote(args.slice(1).join(',')))}` : ''})`];
      case 'dlg.acceptInvite': {
        const code = Number(unquote(arg(0)) || '200');
        if (code >= 200) return [`${this.flow('answer')}()`];
        return [`${this.flow('progress')}(${code === 180 ? 180 : 183})`];
      }
      case 'dlg.bye':
        return [`${this.flow('hangup')}()`];
      case 'dlg.dialout':
        return [this.dialout(unquote(arg(0)).replace(/^\$/, ''), a)];
      // mod_conference.
      case 'conference.join':
        return [`${this.flow('join')}(${bodyFn(valueExpr(arg(0), this.scope))})`];
      case 'conference.leave':
        return [`${this.flow('leave')}()`];
      // Events between legs.
      case 'postEvent':
        return [this.postEvent(a)];
      case 'mysql.getResult':
        return [`${this.dsm('getResult')}(${bodyFn(valueExpr(arg(0) || '0', this.scope))})`];
      // mod_utils and mod_sys: the ones that compute a value (the rest touch files or processes: unsupported).
      case 'utils.getNewId':
        return [this.set([[arg(0).replace(/^\$/, ''), `${this.dsm('utils')}.newId()`]])];
      case 'utils.rand':
        return [this.set([[arg(0).replace(/^\$/, ''), `${this.dsm('utils')}.rand(${valueExpr(arg(1), this.scope)})`]])];
      case 'utils.srand':
        return [];
      case 'utils.add':
      case 'utils.sub':
      case 'utils.mul':
      case 'utils.int': {
        const target = arg(0).replace(/^\$/, '');
        const op = name.slice('utils.'.length);
        return [
          this.set([[target, `${this.dsm('utils')}.arith('${op}', ${this.dsm('v')}(c, ${quoteTs(target)}), ${valueExpr(arg(1), this.scope)})`]]),
        ];
      }
      case 'utils.md5':
        return [this.set([[arg(0).replace(/^\$/, ''), `${this.dsm('utils')}.md5(${valueExpr(arg(1), this.scope)})`]])];
      case 'utils.replace': {
        const target = arg(0).replace(/^\$/, '');
        const [search = '', replacement = ''] = args.slice(1).join(',').split('=>');
        return [
          this.set([
            [
              target,
              `${this.dsm('utils')}.replace(${this.dsm('v')}(c, ${quoteTs(target)}), ${valueExpr(search, this.scope)}, ${valueExpr(replacement, this.scope)})`,
            ],
          ]),
        ];
      }
      case 'utils.splitString':
      case 'utils.splitStringCR': {
        const source = arg(0);
        const dst = (name === 'utils.splitStringCR' ? arg(1) || source : source).replace(/^\$/, '');
        const delim = name === 'utils.splitStringCR' ? "'\\n'" : valueExpr(arg(1), this.scope);
        this.scope.dsmImports.add('setVars');
        return [`setVars(({ context: c, event: e }) => ${this.dsm('utils')}.split(${quoteTs(dst)}, ${valueExpr(source, this.scope)}, ${delim}))`];
      }
      case 'sys.getTimestamp':
        this.scope.dsmImports.add('setVars');
        return [`setVars(() => ${this.dsm('utils')}.timestamp(${quoteTs(unquote(arg(0)).replace(/^\$/, ''))}))`];
      case 'sendDTMF':
      case 'sendDTMFSequence':
        return [`${this.flow('sendDtmf')}(${bodyFn(valueExpr(arg(0), this.scope))})`];
      default:
        if (NO_OPS[name] !== undefined) return [];
        return [this.unsupported(name, a.at)];
    }
  }

  /** dlg.dialout(prefix): the diagram is `$prefix_app`; every diagram of the app can be dialled into. */
  private dialout(prefix: string, a: DsmCall): string {
    this.scope.dsmImports.add('dialout');
    const known = this.scope.appTargets.get(prefix);
    let diagrams = [...this.scope.facts.diagrams.entries()];
    if (known !== undefined) diagrams = diagrams.filter(([d]) => d === known);
    if (diagrams.length === 0) {
      this.scope.facts.todos.push({
        where: whereOf(this.scope, a.at),
        what: `dlg.dialout(${prefix}): no imported diagram ${known ?? ''} to run the new leg`,
      });
    }
    for (const [d] of diagrams) this.scope.dials.add(d);
    this.scope.xstateImports.add('type AnyStateMachine');
    return `dialout(${quoteTs(prefix)}, { ${diagrams.map(([d, constName]) => `${quoteTs(d)}: (): AnyStateMachine => ${constName}`).join(', ')} })`;
  }

  /** postEvent(leg, a;b) → sendToLeg(leg, { type: 'dsm.a.b', params: { a: $a, b: $b } }) (typed by messages.ts). */
  private postEvent(a: DsmCall): string {
    const [target = '', vars = ''] = splitArgs(a.args);
    const params = vars
      .split(';')
      .map((s) => s.trim().replace(/^\$/, ''))
      .filter(Boolean);
    const type = messageType(params);
    this.scope.dsmImports.add('legById');
    this.scope.dsmImports.add('v');
    const body = `({ type: ${quoteTs(type)}, params: { ${params.map((n) => `${quoteTs(n)}: v(c, ${quoteTs(n)})`).join(', ')} } })`;
    return `${this.flow('sendToLeg')}(({ context: c, event: e }) => legById<AppEvents>(${valueExpr(target, this.scope)}), ${bodyFn(body)})`;
  }
}

/** mysql.query(sql) → the typed lookup it becomes: $vars → ? placeholders, selected columns → the row type. */
export function queryFact(a: DsmCall, diagram: string, file: string): QueryFact {
  const sql = unquote(a.args ?? '');
  const params: string[] = [];
  const text = sql.replace(/\$\(?([A-Za-z_][A-Za-z0-9_.]*)\)?/g, (_, name: string) => {
    params.push(name);
    return '?';
  });
  const m = /^\s*select\s+(.*?)\s+from\s/i.exec(text);
  const cols = m?.[1]?.split(',').map((c) => c.trim().split(/\s+/).pop() ?? '');
  const columns = cols && cols.every((c) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) ? cols : undefined;
  return { name: `${diagram}_${a.at.line}`, where: `${file}:${a.at.line}`, sql: text, params, columns };
}

/** First pass over an app: the messages postEvent sends (needed before any event(…) condition is translated). */
export function collectMessages(actions: DsmAction[], file: string, out: Map<string, { type: string; params: string[]; where: string }>): void {
  for (const a of actions) {
    if (a.kind === 'if') {
      collectMessages(a.then, file, out);
      collectMessages(a.else, file, out);
    } else if (a.kind === 'for') collectMessages(a.body, file, out);
    else if (a.name === 'postEvent') {
      const vars = splitArgs(a.args)[1] ?? '';
      const params = vars
        .split(';')
        .map((s) => s.trim().replace(/^\$/, ''))
        .filter(Boolean);
      const type = messageType(params);
      if (!out.has(type)) out.set(type, { type, params, where: `${a.at.file ?? file}:${a.at.line}` });
    }
  }
}
