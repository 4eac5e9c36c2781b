/**
 * What translating one app collects while it goes: config keys read, leg messages posted, TODOs and unsupported
 * actions (for the generated README), and the runtime helpers each flow file imports.
 */
import type { SourceAt } from '../ast.js';

export interface Todo {
  /** 'file:line' of the DSM text. */
  where: string;
  what: string;
}

/** A leg message inferred from postEvent(leg, a;b): its event type and the variables it carries. */
export interface LegMessage {
  type: string;
  params: string[];
  where: string;
}

/** A mysql.query of a script: a typed lookup the app fills in (lookups.ts), run as an effect. */
export interface QueryFact {
  /** Effect and lookup name: <diagram>_<line>. */
  name: string;
  where: string;
  sql: string;
  /** $variables the SQL reads, in order (they become ? placeholders). */
  params: string[];
  /** Selected columns; undefined for `select *` and anything else. */
  columns: string[] | undefined;
}

export interface AppFacts {
  /** The app's name (--app): flow names and ids are `<app>.<diagram>`. */
  app: string;
  queries: QueryFact[];
  /** Values event(#param==value) conditions compare message parameters with (for the review's path fixtures). */
  paramValues: Map<string, Set<string>>;
  configKeys: Set<string>;
  messages: Map<string, LegMessage>;
  /** Diagram name → exported flow constant. */
  diagrams: Map<string, string>;
  todos: Todo[];
  unsupported: Todo[];
  translated: Map<string, number>;
  /** Some script uses B2B.connectCallee: the app gets the B-leg flow (b2b_callee.ts). */
  b2b: boolean;
}

export function newAppFacts(app: string): AppFacts {
  return {
    app,
    queries: [],
    paramValues: new Map(),
    configKeys: new Set(),
    messages: new Map(),
    diagrams: new Map(),
    todos: [],
    unsupported: [],
    translated: new Map(),
    b2b: false,
  };
}

/** Per flow file: where we are, and what it imports. */
export interface FlowScope {
  facts: AppFacts;
  file: string;
  flowImports: Set<string>;
  dsmImports: Set<string>;
  xstateImports: Set<string>;
  /** Diagrams this flow dials into (imported flow files). */
  dials: Set<string>;
  /** dlg.dialout prefix → the diagram a constant set(<prefix>_app=…) named. */
  appTargets: Map<string, string>;
  /**
   * Events the flow raises itself (DsmExceptionEvent, DsmTimerEvent, DsmFsmEvent), in its own event type when it has
   * transitions for them: not in the app's AppEvents, so the review does not take them for leg messages.
   */
  ownEvents: Set<string>;
  /** The flow dials the B leg (B2B.connectCallee): it imports b2b_callee.ts. */
  b2b?: boolean;
}

export function whereOf(scope: FlowScope, at: SourceAt): string {
  return `${at.file ?? scope.file}:${at.line}`;
}

/** The message type postEvent(…, vars) sends: 'dsm.' + the variable names. */
export function messageType(params: string[]): string {
  return params.length === 0 ? 'dsm.event' : `dsm.${params.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('.')}`;
}

/** A TS identifier for a diagram's flow constant: quizconnect_callee → quizconnectCalleeFlow. */
export function flowConstName(diagram: string): string {
  const camel = diagram.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''));
  const id = /^[0-9]/.test(camel) ? `d${camel}` : camel;
  return `${id.charAt(0).toLowerCase()}${id.slice(1)}Flow`;
}

/**
 * A diagram's flow name and machine id: `<app>.<diagram>`. Flow ids must be unique across the apps a server loads;
 * the app name an import takes has no '.', so the first '.' tells app from diagram and two imports (the same scripts
 * imported as two apps) never clash, nor does an import with a hand-written app whose flows are named after the DSM
 * diagrams (apps/quizconnect's quizconnect_caller).
 */
export function flowId(app: string, diagram: string): string {
  return `${app}.${diagram}`;
}

/** The diagram name of the B-leg flow B2B.connectCallee dials (src/b2b_callee.ts). */
export const B2B_CALLEE = 'b2b_callee';
