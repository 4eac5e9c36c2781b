/**
 * The INVITE flood of the admission e2e tests (test/e2e/admission-flood*.test.ts): 600 INVITEs at 300/s against
 * quizconnect (every call dials two callees, who ring until CANCELled) through test/e2e/scenarios/qc-caller-flood.xml,
 * and the checks that every INVITE was refused at once (503 + Retry-After) or carried to its caller's CANCEL.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, type QuizHarness } from './quizconnect-harness.js';
import { sippErrorEntries, startSipp } from './sipp.js';

const RATE = 300;
const CALLS = 600; // two seconds of flood
/** Early media each admitted caller hears before it CANCELs, ms. */
const EARLY_MS = 300;

/** `calls` callers at `rate`/s through qc-caller-flood.xml; returns how many were admitted and refused (sipp's log). */
async function flood(h: QuizHarness, calls: number, rate: number): Promise<{ admitted: number; refused: number }> {
  const logFile = join(h.dir, `flood-${calls}.log`);
  const sipp = await startSipp({
    scenario: { file: scenario('qc-caller-flood.xml') },
    remote: `127.0.0.1:${h.server.sip.port}`,
    service: '35',
    calls,
    rate,
    timeoutSec: 90,
    args: ['-d', String(EARLY_MS), '-trace_logs', '-log_file', logFile],
  });
  const res = await sipp.done;
  // A 503 retransmitted after its ACK left reaches a finished call ("Dead call"): harmless, and hides the real errors.
  const errors = sippErrorEntries(res.errors).filter((e) => !/Dead call/.test(e));
  const failures = Object.entries(res.stats).filter(([k, v]) => k.startsWith('Failed') && k.endsWith('(C)') && v !== '0');
  assert.equal(res.code, 0, `${JSON.stringify(failures)} ${errors.slice(0, 4).join('\n')}`);
  assert.equal(res.stats['SuccessfulCall(C)'], String(calls), 'every caller saw a 503 + Retry-After at once, or its whole call');
  assert.equal(res.stats['FailedCall(C)'], '0');
  const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : [];
  const admitted = lines.filter((l) => l.startsWith('admitted ')).length;
  const refused = lines.filter((l) => l.startsWith('refused ')).length;
  assert.equal(admitted + refused, calls, `sipp logged ${admitted} admitted + ${refused} refused of ${calls}`);
  return { admitted, refused };
}

/** The refusal log line of the resource the case makes scarce. */
export const EDGE: Record<'ports' | 'calls', string | RegExp> = {
  ports: 'RTP ports: the streams this call needs do not fit: 503',
  calls: /^call limit( reached|: the legs this call needs do not fit): 503$/,
};

/**
 * The headroom rule (server/admission.ts: media clocks over budget, or the main thread busy or saturated, through a
 * window) is out of this test and of the SIP protocol tests that import it: on a loaded machine it refuses the whole
 * flood as 'Overloaded' before the resource edge is reached, and what is tested here is that the calls admitted are
 * carried. Its own tests: packages/runtime/test/server/admission.test.ts and flow-runtime.test.ts (burst vs window,
 * hysteresis) and test/e2e/flow-limits.test.ts (503 + Retry-After on the wire).
 */
export const NO_HEADROOM_RULE = { signallingCpuMax: Infinity, signallingSaturationElu: Infinity, busyShareMax: Infinity, latenessP90MaxMs: Infinity };

/** The most legs alive at once, from the records' start and end times (an end and a start in the same ms: the end first). */
function peakLegs(records: ReadonlyArray<{ startedAt: number; endedAt?: number }>): number {
  const edges = records.flatMap((r) => [
    { at: r.startedAt, step: 1 },
    { at: r.endedAt ?? Infinity, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let alive = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (alive += e.step));
  return peak;
}

/**
 * The flood against a harness whose server makes `edge` scarce; `note` gets the admitted/refused figures.
 * `maxCalls`: the server's call limit, which the legs alive at once (callers and callees) never exceed.
 */
export async function floodCase(h: QuizHarness, edge: keyof typeof EDGE, note: (message: string) => void, maxCalls?: number): Promise<void> {
  // The callees ring until the server CANCELs them. One UAS takes every callee INVITE of the run; it is stopped
  // with the harness.
  await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' }, calls: 100_000, timeoutSec: 120 });
  // The flood is the server's first traffic: no call of quizconnect has dialled yet when the first INVITEs are
  // admitted, so its fan-out (two callee legs per call) is not known to admission: it assumes one
  // (AdmissionOptions.assumedFanOut, default 2; server/leg-budget.ts) until the first call dials. Before, those
  // INVITEs counted one leg each, and a burst larger than the free ports admitted calls whose callee legs failed.
  const { admitted, refused } = await flood(h, CALLS, RATE);
  await h.idle(60_000);
  // The first INVITEs of the flood fill the resource within milliseconds, before any call can end: the next are
  // refused for it.
  const atEdge = h.logs(EDGE[edge]);
  const beforeLearned = atEdge.filter((l) => l['learned'] === false).length;
  note(`${admitted} admitted, ${refused} refused with 503 + Retry-After (${beforeLearned} before the first call dialled)`);
  assert.ok(atEdge.length > 0, `INVITEs refused at the resource edge (${admitted} admitted, ${refused} refused)`);
  assert.equal(h.server.runtime.refusedForResources[edge], atEdge.length, 'counted for /metrics (sipflow_admission_refused_resources_total)');
  assert.ok(admitted >= 4, `calls were admitted during the flood (${admitted})`);

  const callers = h.records('quizconnect_caller');
  const callees = h.records('quizconnect_callee').filter((r) => callers.some((c) => c.id === r.parentId));
  assert.equal(callers.length, admitted, 'a leg for every admitted call, none for a refused one');
  const callerEnds = new Set(callers.map((r) => `${r.outcome} ${r.endReason}`));
  assert.deepEqual([...callerEnds], ['cancelled cancel'], 'every admitted call ended as its caller chose (CANCEL)');
  assert.equal(callees.length, 2 * admitted, 'every admitted call dialled both its callees');
  const calleeEnds = new Set(callees.map((r) => `${r.outcome} ${r.endReason}`));
  assert.deepEqual([...calleeEnds], ['cancelled hung up by owner'], 'every callee leg rang and was CANCELled by its flow, none failed');
  assert.equal(h.logs('dial-out failed').length, 0, 'no callee leg failed to get a stream');
  assert.equal(h.logs(/no media stream/).length, 0, 'no admitted caller failed to get a stream');
  assert.equal(h.server.media.streamCount, 0, 'every stream closed');
  if (maxCalls !== undefined) {
    const peak = peakLegs([...callers, ...callees]);
    note(`at most ${peak} legs at once`);
    assert.ok(peak <= maxCalls, `the legs alive at once (${peak}) stayed within the call limit (${maxCalls})`);
  }
}
