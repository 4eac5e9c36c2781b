/**
 * The INVITE flood of admission-flood.test.ts (300/s against quizconnect) with a small call limit instead of a small
 * RTP range: the legs a call will dial count against --max-calls, so every INVITE is refused at once (503 +
 * Retry-After) or carried to the end its caller chose, and the legs alive at once (callers and callees) never exceed
 * the limit — also in the start-up burst, before any call has dialled. In its own
 * file so that each flood has the per-file time budget to itself on a loaded machine.
 */
// Media engine: both modes — admission reads the media engine's load and ports, which differ between workers and the main thread.
import { describe, it } from 'node:test';
import { withQuiz } from '../support/quizconnect-harness.js';
import { NO_HEADROOM_RULE, floodCase } from '../support/admission-flood.js';

const MAX_CALLS = 12;

describe('admission under an INVITE flood at 300/s (quizconnect, real server): the call limit', () => {
  it('a small call limit: the legs a call will dial count against it', async (t) => {
    await withQuiz({ maxCalls: MAX_CALLS, admission: NO_HEADROOM_RULE, config: { ring_timeout: 60 } }, (h) =>
      floodCase(h, 'calls', (m) => t.diagnostic(m), MAX_CALLS),
    );
  });
});
