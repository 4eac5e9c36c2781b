/**
 * Which leg messages each flow can receive, read from the flows' TypeScript types (compiler API).
 *
 * A message reaches a leg through `sendToLeg(ref, event)`, and `ref: LegRef<Events of the receiving flow>`, so the
 * compiler already guarantees the message is in the receiver's event union. What it cannot see is whether any state
 * of the receiver HANDLES it: that is the review rule. The leg messages a flow accepts are the members of its event
 * union that are not runtime call events (those declared in src/flow/events.ts) — found here per machine id.
 */
import ts from 'typescript';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNTIME_EVENTS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../flow/events.ts');

export interface FlowMessageTypes {
  /** Machine id (the `id` of `createMachine({ id })`). */
  machineId: string;
  /** Where the machine is declared. */
  file: string;
  /** Event types of its union that are leg messages (not runtime call events). */
  messages: string[];
  /** Every event type of its union (runtime call events and leg messages). */
  events: string[];
}

export interface LegMessageScan {
  flows: FlowMessageTypes[];
  /** Type errors and other problems met while reading the sources (the scan is best-effort on broken code). */
  problems: string[];
}

/**
 * The compiler options the app is checked with: the nearest tsconfig.json at or above `dir` (the repository's for
 * the apps in it), so the scan sees the code as `npm run typecheck` does. Nothing is emitted.
 */
function compilerOptions(dir: string, problems: string[]): ts.CompilerOptions {
  const configPath = ts.findConfigFile(resolve(dir), (f) => ts.sys.fileExists(f), 'tsconfig.json');
  if (!configPath) {
    problems.push(`no tsconfig.json at or above ${dir}: read with TypeScript's defaults for NodeNext modules`);
    return { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true };
  }
  const read = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, dirname(configPath), undefined, configPath);
  for (const d of [...(read.error ? [read.error] : []), ...parsed.errors.filter((e) => e.code !== NO_INPUTS)]) {
    problems.push(`${configPath}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return { ...parsed.options, noEmit: true };
}

/** TS18003 "No inputs were found in config file": the options are still good. */
const NO_INPUTS = 18003;

/** String literal values of the `type` property of each member of an event union. */
function eventTypesOf(checker: ts.TypeChecker, events: ts.Type): Array<{ type: string; fromRuntime: boolean }> {
  const members = events.isUnion() ? events.types : [events];
  const out: Array<{ type: string; fromRuntime: boolean }> = [];
  for (const member of members) {
    const prop = checker.getPropertyOfType(member, 'type');
    if (!prop) continue;
    const propType = checker.getTypeOfSymbol(prop);
    const literals = propType.isUnion() ? propType.types : [propType];
    const declFile = (member.aliasSymbol ?? member.getSymbol())?.declarations?.[0]?.getSourceFile().fileName;
    const fromRuntime = declFile !== undefined && resolve(declFile) === RUNTIME_EVENTS_FILE;
    for (const lit of literals) if (lit.isStringLiteral()) out.push({ type: lit.value, fromRuntime });
  }
  return out;
}

/** The TEvent of a StateMachine type: its 2nd type argument, or the event parameter of `transition()`. */
function machineEvents(checker: ts.TypeChecker, machine: ts.Type): ts.Type | undefined {
  if (machine.getSymbol()?.getName() === 'StateMachine') {
    const args = checker.getTypeArguments(machine as ts.TypeReference);
    if (args[1]) return args[1];
  }
  const transition = checker.getPropertyOfType(machine, 'transition');
  if (!transition?.valueDeclaration) return undefined;
  const signature = checker.getTypeOfSymbolAtLocation(transition, transition.valueDeclaration).getCallSignatures()[0];
  const param = signature?.getParameters()[1];
  return param && param.valueDeclaration ? checker.getTypeOfSymbolAtLocation(param, param.valueDeclaration) : undefined;
}

/**
 * The machine id of a `createMachine(config)` call: a literal `id` in the config object, also when the config is
 * wrapped (`flowConfig({ id })`, `{...} as const`, `satisfies`), else the literal type of the config's `id`.
 */
function machineId(checker: ts.TypeChecker, node: ts.Expression | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isObjectLiteralExpression(node)) {
    for (const prop of node.properties) {
      if (ts.isPropertyAssignment(prop) && ts.isIdentifier(prop.name) && prop.name.text === 'id' && ts.isStringLiteralLike(prop.initializer))
        return prop.initializer.text;
    }
  }
  if (ts.isCallExpression(node)) return machineId(checker, node.arguments[0]);
  if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)) return machineId(checker, node.expression);
  const idProp = checker.getPropertyOfType(checker.getTypeAtLocation(node), 'id');
  const idType = idProp ? checker.getTypeOfSymbol(idProp) : undefined;
  return idType?.isStringLiteral() ? idType.value : undefined;
}

/**
 * Scan the sources reachable from `entryFiles`, restricted to files under `withinDir`, for `createMachine({ id })`
 * calls, and list each machine's leg messages.
 *
 * @example
 * const scan = scanLegMessageTypes(['apps/quizconnect/src/index.ts'], 'apps/quizconnect');
 * // → { flows: [{ machineId: 'quiz_callee', messages: ['caller.connect'] }, ...] }
 */
export function scanLegMessageTypes(entryFiles: string[], withinDir: string): LegMessageScan {
  const configProblems: string[] = [];
  const program = ts.createProgram(
    entryFiles.map((f) => resolve(f)),
    compilerOptions(withinDir, configProblems),
  );
  const checker = program.getTypeChecker();
  const root = resolve(withinDir) + sep;
  // Diagnostics of the app's own files only (checking the whole program would take several times longer).
  const ownFiles = program.getSourceFiles().filter((f) => resolve(f.fileName).startsWith(root) && !f.fileName.includes(`${sep}node_modules${sep}`));
  const problems = configProblems.concat(
    ownFiles
      .flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])
      .map((d) => `${d.file ? `${d.file.fileName}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
  );
  const flows: FlowMessageTypes[] = [];
  for (const file of program.getSourceFiles()) {
    if (!resolve(file.fileName).startsWith(root) || file.fileName.includes(`${sep}node_modules${sep}`)) continue;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ((ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'createMachine') ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'createMachine'))
      ) {
        const id = machineId(checker, node.arguments[0]);
        const events = machineEvents(checker, checker.getTypeAtLocation(node));
        if (id && events) {
          const all = eventTypesOf(checker, events).filter((e) => !e.type.startsWith('xstate.'));
          const messages = all.filter((e) => !e.fromRuntime).map((e) => e.type);
          flows.push({
            machineId: id,
            file: file.fileName,
            messages: [...new Set(messages)].sort(),
            events: [...new Set(all.map((e) => e.type))].sort(),
          });
        } else if (!id) {
          problems.push(`${file.fileName}: a createMachine() without a literal id is not checked for leg messages`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { flows, problems };
}
