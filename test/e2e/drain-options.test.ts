/**
 * Draining and OPTIONS against sipp: while the server drains (SIGTERM) or refuses new calls (call limit, no
 * headroom), OPTIONS out of dialog is answered 503 with Retry-After — what a proxy's OPTIONS probe (Kamailio's
 * dispatcher) needs to take it out of rotation — and 200 again once it admits calls. A drain lets the calls in
 * progress end on their own, refuses new INVITEs with 503, and ends the calls still up at its deadline.
 */
// Media engine: both modes — OPTIONS answers 503 from admission, which reads the media engine's headroom.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sipOptions as options } from '../support/sip-options.js';
import { startSipp } from '../support/sipp.js';
import { startTestServer, waitForIdle, waitForRecord } from './flow-support.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));

describe('drain and OPTIONS against sipp', () => {
  it('drain: OPTIONS and new INVITEs get 503 + Retry-After, the call in progress ends on its own, then the server stops', async () => {
    const server = await startTestServer({ apps: ['example-ivr'], admission: { retryAfterS: 5 } });
    try {
      assert.deepEqual(await options(server.sip.port), { status: 200, retryAfter: undefined });
      const caller = await startSipp({
        scenario: { file: scenario('drain-caller-bye-uac.xml') },
        remote: `127.0.0.1:${server.sip.port}`,
        service: '35',
        timeoutSec: 30,
      });
      const record = await waitForRecord(server, (r) => r.requestUri.startsWith('sip:35@') && r.stateGraph.length > 1);
      const started = Date.now();
      const drained = server.drain(20_000);

      assert.deepEqual(await options(server.sip.port), { status: 503, retryAfter: '5' });
      const refused = await startSipp({
        scenario: { file: scenario('flow-503-uac.xml') },
        remote: `127.0.0.1:${server.sip.port}`,
        service: '35',
        timeoutSec: 20,
      });
      const r2 = await refused.done;
      assert.equal(r2.code, 0, `a new INVITE while draining is answered 503: ${r2.errors.slice(0, 1500)}`);

      const res = await caller.done;
      assert.equal(res.code, 0, `the call in progress ends by the caller's BYE: ${res.errors.slice(0, 1500)}`);
      await drained;
      assert.ok(Date.now() - started < 20_000, 'the drain ended with the last call, before its deadline');
      const ended = server.registry.list({ ended: true }).find((r) => r.id === record.id);
      assert.ok(ended, 'the call is recorded');
      assert.notEqual(ended.endReason, 'shutdown', `the call was not ended by the server: ${JSON.stringify(ended.endReason)}`);
      assert.equal(server.registry.activeCount, 0);
    } finally {
      await server.stop();
    }
  });

  it('drain deadline: a call still up when it passes is ended with BYE', async () => {
    const server = await startTestServer({ apps: ['example-ivr'] });
    try {
      const caller = await startSipp({
        scenario: { file: scenario('flow-wait-bye-uac.xml') },
        remote: `127.0.0.1:${server.sip.port}`,
        service: '35',
        timeoutSec: 30,
      });
      await waitForRecord(server, (r) => r.requestUri.startsWith('sip:35@') && r.stateGraph.length > 1);
      const started = Date.now();
      await server.drain(1000);
      assert.ok(Date.now() - started >= 1000, 'the call was given the whole deadline');
      const res = await caller.done;
      assert.equal(res.code, 0, `the caller gets BYE at the deadline: ${res.errors.slice(0, 1500)}`);
    } finally {
      await server.stop();
    }
  });

  it('OPTIONS: 503 + Retry-After at the call limit and while admission refuses, 200 again once calls are admitted', async () => {
    const server = await startTestServer({ apps: ['example-ivr'], maxCalls: 1, admission: { retryAfterS: 3 } });
    try {
      assert.equal((await options(server.sip.port)).status, 200);
      const caller = await startSipp({
        scenario: { file: scenario('drain-caller-bye-uac.xml') },
        remote: `127.0.0.1:${server.sip.port}`,
        service: '35',
        timeoutSec: 30,
      });
      await waitForRecord(server, (r) => r.requestUri.startsWith('sip:35@') && r.stateGraph.length > 1);
      assert.deepEqual(await options(server.sip.port), { status: 503, retryAfter: '3' }, 'at the call limit');
      assert.equal((await caller.done).code, 0);
      await waitForIdle(server);
      assert.deepEqual(await options(server.sip.port), { status: 200, retryAfter: undefined }, 'back in rotation');
    } finally {
      await server.stop();
    }
    const overloaded = await startTestServer({
      apps: ['example-ivr'],
      admission: { busyShareMax: -1, latenessP90MaxMs: -1, windowMs: 200, sampleMs: 50, retryAfterS: 7 },
    });
    try {
      const deadline = Date.now() + 10_000;
      while (!overloaded.admission.snapshot.refusing) {
        if (Date.now() > deadline) throw new Error('admission never started refusing');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(await options(overloaded.sip.port), { status: 503, retryAfter: '7' }, 'while admission refuses');
      assert.equal(overloaded.admission.snapshot.refused, 0, 'an OPTIONS is not counted as a refused call');
    } finally {
      await overloaded.stop();
    }
  });
});
