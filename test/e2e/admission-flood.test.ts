/**
 * An INVITE flood at 300 calls/s against the real server (quizconnect, whose every call dials two callee legs), with
 * a resource made scarce on purpose: a small RTP range split between two media workers (each binds its own share,
 * and a call's legs all run on its caller's worker); the call limit case is admission-flood-calls.test.ts. Admission
 * keeps its word: each INVITE is either refused at once (503 + Retry-After, before any early media) or admitted,
 * and every admitted call then runs
 * its flow to the end its caller chose (here: early media, then CANCEL → 487; both callee legs rung and CANCELled).
 * None ends for lack of ports or legs — no callee leg fails, no caller gets 480 — also in the start-up burst: the
 * flood is the server's first traffic, admitted before any call has dialled (its fan-out is assumed until then).
 * Before the fix the same flood admitted calls whose callee legs found no RTP port on their worker, and their
 * callers got 480 (rule B2: every callee leg failed).
 */
// Media engine: both modes — the RTP range is split between media workers; on the main thread one engine holds it all.
import { describe, it } from 'node:test';
import { withQuiz } from '../support/quizconnect-harness.js';
import { NO_HEADROOM_RULE, floodCase } from '../support/admission-flood.js';
import { freeMediaPorts } from '../support/ports.js';

describe('admission under an INVITE flood at 300/s (quizconnect, real server): RTP ports', () => {
  it('a small RTP range on two media workers: refused with 503 + Retry-After, or carried to the end', async (t) => {
    const base = await freeMediaPorts(48);
    // Two workers of 12 port pairs each (4 calls of 3 streams per worker); in-thread, one range of 24 (8 calls).
    const mediaWorkers = process.env.SIPFLOW_MEDIA_WORKERS === '0' ? 0 : 2;
    await withQuiz({ rtpPorts: [base, base + 47], mediaWorkers, admission: NO_HEADROOM_RULE, config: { ring_timeout: 60 } }, (h) =>
      floodCase(h, 'ports', (m) => t.diagnostic(m)),
    );
  });
});
