/**
 * The DSM syntax tree the grammar (dsm.peggy) builds. Arguments stay raw text: how DSM splits them depends on the
 * action (see translate/args.ts).
 */

/** Where something is in its script (1-based, like an editor). */
export interface SourceAt {
  line: number;
  column: number;
  /** The script it comes from, when #include brought it into another one (base name). */
  file?: string;
}

export interface DsmImport {
  kind: 'import';
  module: string;
  at: SourceAt;
}

export interface DsmInclude {
  kind: 'include';
  path: string;
  at: SourceAt;
}

export interface DsmFunction {
  kind: 'function';
  name: string;
  body: DsmAction[];
  at: SourceAt;
}

export interface DsmState {
  kind: 'state';
  name: string;
  initial: boolean;
  enter: DsmAction[];
  exit: DsmAction[];
  at: SourceAt;
}

export interface DsmTransition {
  kind: 'transition';
  name: string;
  from: string[];
  /** `- exception ...`: taken only while an exception is processed. */
  exception: boolean;
  /** All must hold (AND); empty = any event. */
  conditions: DsmCondition[];
  actions: DsmAction[];
  to: string;
  at: SourceAt;
}

export interface DsmCondition {
  name: string;
  /** Raw text between the parentheses; null without parentheses (`hangup`, `key`). */
  args: string | null;
  not: boolean;
  at: SourceAt;
}

export interface DsmCall {
  kind: 'call';
  name: string;
  args: string | null;
  at: SourceAt;
}

export interface DsmIf {
  kind: 'if';
  conditions: DsmCondition[];
  then: DsmAction[];
  else: DsmAction[];
  at: SourceAt;
}

export interface DsmFor {
  kind: 'for';
  header: string;
  body: DsmAction[];
  at: SourceAt;
}

export type DsmAction = DsmCall | DsmIf | DsmFor;
export type DsmItem = DsmImport | DsmInclude | DsmFunction | DsmState | DsmTransition;

/** One parsed script (one DSM diagram). */
export interface DsmScript {
  /** Path as given (used in messages and TODOs). */
  file: string;
  /** Diagram name: the file name without `.dsm` (SEMS's load_diags name). */
  name: string;
  items: DsmItem[];
}
