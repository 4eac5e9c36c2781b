/**
 * The issue's row "fuzz, loss and flood runs: RSS rose and stayed near 360 MB with 0 calls": after an INVITE flood,
 * a garbage burst and a 30 % loss run against the real server (quizconnect, in this process), the server's live heap
 * comes back within 20 % of its idle baseline. A leak check, not a timed figure: heapUsed after two full collections
 * (test/support/gc.ts), read when nothing is live — no call in the registry, no transaction, dialog or call in the
 * SIP stack (their tables include the absorption windows, so 64·T1 has passed), no media stream.
 *
 *   1. warm-up: one small round of each kind (JIT code, caches and pools then exist), idle → baseline;
 *   2. the same round, ten times bigger, idle → after; after ≤ baseline × 1.2.
 *
 * Each round runs the three at once: the flood (test/e2e/scenarios/qc-caller-flood.xml, as the admission tests: each
 * admitted call rings two callees and is CANCELled after 300 ms of early media, the rest refused 503), the garbage
 * (the RFC 4475 corpus of test/fixtures/rfc4475, each message cut short, its lines mutated, and random bytes; every
 * copy with its own Call-ID and branch), and the loss run (qc-caller-lossy-cancel.xml with sipp -lost 30, as
 * sip-loss-sipp.test.ts; sipp retries an INVITE or a CANCEL 20 times, so no caller gives up and leaves a call to the
 * ring timeout). Whether each sipp call succeeds is those tests' subject, not this one's.
 */
// Media engine: one pass only — the heap checked is the main thread's (registry, SIP stack, flows); the media
// engine's own streams are closed in both modes by the flood and loss tests this one reuses.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { scenario, withQuiz, type QuizHarness } from '../support/quizconnect-harness.js';
import { NO_HEADROOM_RULE } from '../support/admission-flood.js';
import { settledHeap } from '../support/gc.js';
import { until } from '../support/deadline.js';
import { startSipp } from '../support/sipp.js';
import { RawPeer } from '../../packages/runtime/test/sip/raw-peer.js';
import { SipStack } from '../../packages/runtime/src/sip/index.js';
import { seededRandom } from '../../packages/runtime/test/sip/helpers.js';

const T1 = 100;
const LIFETIME_MS = 64 * T1;
/** How much the heap may grow over the idle baseline (the "within 20 %"). */
const MAX_GROWTH = 0.2;
const CORPUS_DIR = fileURLToPath(new URL('../fixtures/rfc4475/', import.meta.url));
/**
 * The corpus. Its two valid INVITEs (longreq, inv2543) are only sent cut short (dropped at framing): whole, they make
 * calls that ring. With one line replaced by garbage, this test found a leak: longreq's top Via asks for the answers
 * over TCP, which cannot be sent, and its INVITE server transaction stayed in Proceeding for ever, with no call —
 * fixed (the stack gives such an INVITE up) and tested in packages/runtime/test/sip/unanswerable-invite.test.ts.
 */
const CORPUS = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.dat'))
  .map((f) => ({ name: f.slice(0, -4), text: readFileSync(CORPUS_DIR + f, 'latin1') }));

interface Round {
  floodCalls: number;
  floodRate: number;
  garbage: number;
  lossCalls: number;
  lossRate: number;
}
const WARM_UP: Round = { floodCalls: 40, floodRate: 100, garbage: 300, lossCalls: 4, lossRate: 4 };
const REAL: Round = { floodCalls: 300, floodRate: 150, garbage: 3000, lossCalls: 30, lossRate: 10 };

/** `copy` of a corpus message with its own Call-ID and Via branch, so each makes its own transaction if parsed. */
function own(text: string, copy: string): string {
  return text.replace(/branch=z9hG4bK[^;\s]*/gi, `branch=z9hG4bK-mem-${copy}`).replace(/^(Call-ID|i)[ \t]*:[^\r\n]*/im, `Call-ID: mem-${copy}`);
}

async function garbage(h: QuizHarness, count: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const peer = await RawPeer.open();
  try {
    for (let i = 0; i < count; i++) {
      const source = CORPUS[i % CORPUS.length]!;
      const text = own(source.text, `${seed}-${i}`);
      let datagram: string;
      const kind = i % 4;
      const validInvite = source.name === 'longreq' || source.name === 'inv2543';
      if (kind === 0 && !validInvite) datagram = text;
      else if (kind === 3)
        datagram = String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 1200) }, () => Math.floor(random() * 256)));
      else if (kind === 1 || kind === 0 || validInvite) datagram = text.slice(0, 1 + Math.floor(random() * (text.length - 1)));
      else {
        const lines = text.split('\r\n');
        lines.splice(1 + Math.floor(random() * (lines.length - 1)), 1, ';;: <sip:\u00ff');
        datagram = lines.join('\r\n');
      }
      await peer.send(datagram, h.server.sip.port);
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await peer.close();
  }
}

async function flood(h: QuizHarness, round: Round): Promise<string> {
  const res = await (
    await startSipp({
      scenario: { file: scenario('qc-caller-flood.xml') },
      remote: `127.0.0.1:${h.server.sip.port}`,
      service: '35',
      calls: round.floodCalls,
      rate: round.floodRate,
      timeoutSec: 60,
      args: ['-d', '300'],
    })
  ).done;
  return `flood: ${res.stats['SuccessfulCall(C)']} of ${round.floodCalls} calls as planned (${failures(res.stats)})`;
}

async function loss(h: QuizHarness, round: Round): Promise<string> {
  const res = await (
    await startSipp({
      scenario: { file: scenario('qc-caller-lossy-cancel.xml') },
      remote: `127.0.0.1:${h.server.sip.port}`,
      service: '35',
      calls: round.lossCalls,
      rate: round.lossRate,
      keys: { rtp_port: String(h.peers.caller.port) },
      timeoutSec: 60,
      args: ['-d', '1000', '-lost', '30', '-recv_timeout', '30000', '-max_invite_retrans', '20', '-max_non_invite_retrans', '20'],
    })
  ).done;
  return `loss: ${res.stats['SuccessfulCall(C)']} of ${round.lossCalls} calls as planned (${failures(res.stats)}), ${res.stats['Retransmissions(C)']} retransmissions`;
}

/** sipp's non-zero failure counters, e.g. `FailedCallRejected 3`. */
const failures = (stats: Record<string, string>) =>
  Object.entries(stats)
    .filter(([k, v]) => k.startsWith('Failed') && k.endsWith('(C)') && v !== '0')
    .map(([k, v]) => `${k.slice(0, -3)} ${v}`)
    .join(', ');

/** Until nothing is live in the server; then its settled heap (bytes). */
async function idleHeap(h: QuizHarness, what: string, t: TestContext): Promise<number> {
  const live = () => {
    const stack = h.server.stack;
    assert.ok(stack instanceof SipStack, 'the server runs the SIP stack itself');
    const i = stack.internals;
    return { active: h.server.registry.activeCount, ended: h.server.registry.list().length, streams: h.server.media.streamCount, ...i };
  };
  const start = Date.now();
  try {
    await until(() => Object.values(live()).every((n) => n === 0), what, 20_000 + LIFETIME_MS + 5000);
  } catch {
    assert.fail(`${what}: something is still live ${20_000 + LIFETIME_MS + 5000} ms on: ${JSON.stringify(live())}`);
  }
  t.diagnostic(`${what}: nothing live ${Date.now() - start} ms on`);
  // The harness keeps every log line of the server (h.logs()) in this process: not the server's memory.
  h.logLines.length = 0;
  return settledHeap();
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

describe('memory after fuzz, loss and flood runs (quizconnect in-process, T1 = 100 ms)', () => {
  it('the live heap comes back within 20 % of the idle baseline', async (t) => {
    // retainEndedMs 0: the registry keeps no ended call (--keep-ended, by design 300 s of records in production),
    // so what stays after the runs is a leak, not the retention window.
    const options = { sipTimers: { t1: T1, t2: 400, t4: 500 }, admission: NO_HEADROOM_RULE, retainEndedMs: 0, config: { ring_timeout: 20 } };
    await withQuiz(options, async (h) => {
      await h.startCallees({ behaviours: { john: 'ring', anna: 'ring' }, calls: 100_000, timeoutSec: 120 });
      const run = async (round: Round, seed: number) => {
        const start = Date.now();
        const notes = await Promise.all([
          flood(h, round),
          loss(h, round),
          garbage(h, round.garbage, seed).then(() => `garbage: ${round.garbage} datagrams`),
        ]);
        t.diagnostic(`${notes.join('; ')} (${Date.now() - start} ms)`);
        t.diagnostic(`server: ${h.server.stack.stats.malformedDropped} malformed dropped so far`);
      };
      await run(WARM_UP, 1);
      const baseline = await idleHeap(h, 'after the warm-up', t);
      await run(REAL, 2);
      const after = await idleHeap(h, 'after the real rounds', t);
      const growth = (after - baseline) / baseline;
      t.diagnostic(`heap idle after warm-up ${mb(baseline)}, after the runs ${mb(after)} (${(growth * 100).toFixed(1)} %)`);
      assert.ok(after <= baseline * (1 + MAX_GROWTH), `heap ${mb(after)} after the runs, baseline ${mb(baseline)}: +${(growth * 100).toFixed(1)} %`);
    });
  });
});
