/**
 * The quizconnect apps the quizconnect end-to-end suites (test/e2e/quizconnect-suites/) run against: the hand-written
 * apps/quizconnect (quizconnect-caller/callee/beyond.test.ts), and the tutorial's DSM scripts with its bugs fixed in
 * DSM, imported by `npm run import-dsm`, with the committed TODO patch (quizconnect-dsm-*.test.ts,
 * docs/migrating-from-dsm.md).
 * Both must show the same behaviour on the wire. Their state graphs name the steps differently in a few places
 * (the DSM scripts' own transition names): `step()` translates a hand-written app's name into this app's name for the
 * same step, so each file keeps asserting the exact state graph of each app.
 */
import type { QuizHarnessOptions } from './quizconnect-harness.js';
import { PROMPTS_DIR } from './quizconnect-harness.js';
import { QC_DSM_APP, importQuizconnectDsm } from '../../packages/dsm-import/test/quizconnect-app.js';
import type { TempApps } from '../../packages/dsm-import/test/support.js';

export interface QuizApp {
  /** Shown in the describe() title. */
  readonly label: string;
  /** Prepares the app (the DSM import); call in before(). */
  prepare(): void;
  /** Removes what prepare() made; call in after(). */
  cleanup(): void;
  /** Harness options that run this app. */
  options(options?: QuizHarnessOptions): QuizHarnessOptions;
  /** This app's name for the step the hand-written app names `name`. */
  step(name: string): string;
  /**
   * How the registry records a callee leg the caller leg ended (a loser) once it had answered: its endReason. (One
   * still ringing is 'cancelled' in both apps, CANCEL on the wire.)
   */
  readonly endedByCallerLeg: { endReason: string };
  /**
   * Whether the caller leg looks its callees up before it answers 183: the hand-written app does, so a lookup failure
   * or no row is refused before any early media; the tutorial's scripts answer 183 and play the welcome prompt
   * first, then refuse (500, 404) after it.
   */
  readonly lookupBeforeEarlyMedia: boolean;
  /** The caller leg's first states on an INVITE (C1). */
  readonly statesOnInvite: string[];
  /** The caller leg's transitions from the INVITE to CONNECTED, with the two demo rows (C7). */
  readonly callerConnected: string[];
  /** The caller leg's last transitions when the caller cancels, with the two demo rows (C6). */
  readonly callerCancelled: string[];
  /** The caller leg's last transitions when nobody types a PIN within ring_timeout, with the two demo rows (B1). */
  readonly callerRingTimeout: string[];
  /** The log message of a welcome prompt that cannot be played (C2), and the part of its line that names the file. */
  readonly promptError: { log: string; detail(line: LogLine): string };
  /** The caller leg's transition and log message when the database is down (connect) or the query fails (C3). */
  readonly dbErrors: Record<'connect' | 'query', { transition: string; log: string }>;
  /** The lookup's error code (LOOKUP_CONNECT, LOOKUP_QUERY) in a log line of dbErrors. */
  errorCodeOf(line: LogLine): unknown;
  /** The callee leg's last transition when its phone hangs up while it types its PIN (B3). */
  readonly calleeHungUpWhileTyping: string;
  /** The callee leg's last transition and the log message when its flow fails unexpectedly (B6). */
  readonly calleeFailure: { lastTransition: string; log: string };
}

type LogLine = Record<string, unknown>;

export const HANDWRITTEN_QUIZCONNECT: QuizApp = {
  label: 'apps/quizconnect',
  prepare: () => {},
  cleanup: () => {},
  options: (options = {}) => options,
  step: (name) => name,
  // The caller leg hangs its callee legs up (hangupLeg).
  endedByCallerLeg: { endReason: 'hung up by owner' },
  lookupBeforeEarlyMedia: true,
  statesOnInvite: ['START', 'RUN_INVITE.LOOKUP', 'RUN_INVITE.WELCOME'],
  callerConnected: ['got INVITE in caller leg', 'we have results', 'prompt playing', 'done creating callee legs', 'callee got it', 'canceled all'],
  callerCancelled: ['CANCEL received', 'canceled all'],
  callerRingTimeout: ['ring timeout'],
  promptError: { log: 'error opening file', detail: (line) => String(line['error']) },
  dbErrors: {
    connect: { transition: 'DB error', log: 'error connecting to DB' },
    query: { transition: 'query failed', log: 'query failed' },
  },
  errorCodeOf: (line) => line['code'],
  calleeHungUpWhileTyping: 'BYE received',
  calleeFailure: { lastTransition: 'unexpected failure', log: 'callee leg failed unexpectedly' },
};

/** The hand-written app's step names → the DSM scripts' names for the same step. */
const DSM_STEPS: Record<string, string> = {
  // quizconnect_callee.dsm CONNECTED: the caller leg's BYE reaches the callee flow as a hangup (the caller flow's
  // END hangs up the callee legs still up) before its postEvent(a_status=BYE) would.
  'hung up by caller leg': 'BYE received',
};

/** The DSM variables a dsm.log line carries. */
const varsOf = (line: LogLine): Record<string, unknown> => (line['vars'] ?? {}) as Record<string, unknown>;

/**
 * quizconnect imported from the DSM tutorial's scripts, its bugs fixed in DSM (a ring timeout, the first PIN wins,
 * dialout credentials: packages/dsm-import/test/fixtures/quizconnect/quizconnect-dsm-fixes.patch): prepare() imports it
 * into a temporary apps folder.
 */
export function importedQuizconnect(): QuizApp {
  let imported: TempApps | undefined;
  return {
    label: 'quizconnect imported from DSM',
    prepare: () => {
      imported = importQuizconnectDsm('qc-e2e');
    },
    cleanup: () => imported?.cleanup(),
    options: (options = {}) => {
      if (!imported) throw new Error('importedQuizconnect: prepare() was not called');
      // The scripts read their $config values as text (a SEMS app's .conf): ring_timeout 2 is '2'.
      const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, val]) => [k, typeof val === 'number' ? String(val) : val]));
      return {
        ...options,
        app: { name: QC_DSM_APP, appsDir: imported.appsDir },
        // $config.prompt_path of the scripts: the prompts of apps/quizconnect.
        config: { prompt_path: PROMPTS_DIR.replace(/\/$/, ''), ...config },
      };
    },
    step: (name) => DSM_STEPS[name] ?? name,
    // The caller leg posts a_status=CANCEL and the callee flow ends its own leg (stop(true) → hangup): the registry
    // records our own hangup. A ringing one is 'cancelled' whichever end comes first, the callee flow's own hangup or
    // the caller flow's END (hangupLeg, as in C6): both CANCEL an outbound leg nobody answered (leg-outcome.ts).
    endedByCallerLeg: { endReason: 'hangup' },
    lookupBeforeEarlyMedia: false,
    statesOnInvite: ['START', 'RUN_INVITE', 'CREATE_CALLEE_LEGS'],
    // One 'create one more' per row, one 'one more to cancel' per row (CREATE_CALLEE_LEGS, CANCEL_OTHER_CALLEES).
    callerConnected: [
      'got INVITE in caller leg',
      'we have results',
      'create one more',
      'create one more',
      'done creating callee legs',
      'callee got it',
      'one more to cancel',
      'one more to cancel',
      'canceled all',
    ],
    callerCancelled: ['CANCEL received', 'one more to cancel', 'one more to cancel', 'canceled all'],
    // The fixed script's timer transition answers 480 and cancels the callee legs as on a CANCEL (CANCEL_CALLEES).
    callerRingTimeout: ['ring timeout', 'one more to cancel', 'one more to cancel', 'canceled all'],
    // log(0, "error opening file!") logs the call's variables: $prompt_name is the file.
    promptError: { log: 'error opening file!', detail: (line) => String(varsOf(line)['prompt_name']) },
    // The lookup is opened by the app (mysql.connect() became a no-op): the query fails either way, $errno says why.
    dbErrors: {
      connect: { transition: 'query failed', log: 'query failed!' },
      query: { transition: 'query failed', log: 'query failed!' },
    },
    errorCodeOf: (line) => varsOf(line)['errno'],
    // ENTER_PIN has no hangup transition: the patch's flow-wide one takes it.
    calleeHungUpWhileTyping: 'hung up',
    // No exception transition takes the failed playFile: the runtime ends the leg (BYE) and logs it; the state graph
    // ends where the flow was.
    calleeFailure: { lastTransition: 'session starts in callee leg', log: 'unhandled flow error: ending the call' },
  };
}

/** The caller scenario for a user with no rows: 404 and nothing before it, or 183 then 404 (see lookupBeforeEarlyMedia). */
export const noRowsScenario = (app: QuizApp): string => (app.lookupBeforeEarlyMedia ? 'qc-caller-404.xml' : 'qc-caller-183-404.xml');
