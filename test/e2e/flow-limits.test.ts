/**
 * The server's limits and shutdown against sipp: beyond --max-calls a new INVITE gets 503; stopping the server
 * ends a call in progress with BYE; the registry is empty afterwards. Shutdown with bridged calls in several states
 * (far end ringing, both legs connected): every peer gets its 503/CANCEL/BYE, and stop() resolves only once the stack
 * has drained (no BYE/CANCEL unanswered, no final answer unACKed), without the 'still pending' warning.
 */
// Media engine: both modes — shutdown ends calls in every state and closes their engine streams.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startServer } from '../../packages/runtime/src/server/index.js';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';
import { transitionsOf, waitForIdle, waitForRecord } from './flow-support.js';

const scenario = (name: string) => ({ file: fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url)) });
const logger = () => pino({ level: process.env.SIPFLOW_TEST_LOG ?? 'silent' });

/** A warn-level logger whose records the test can read. */
function capturing(): { logger: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void messages.push(String((JSON.parse(line) as { msg?: unknown }).msg)) });
  return { logger, messages };
}

describe('limits and shutdown against sipp', () => {
  it('without headroom over a whole window, a new INVITE gets 503 with Retry-After (checked on the wire); no call is made', async () => {
    const { logger: log, messages } = capturing();
    // Limits no load can meet: media lacks headroom from the first full window on.
    const server = await startServer({
      apps: ['example-ivr'],
      sip: { host: '127.0.0.1', port: await freePort() },
      admin: null,
      logger: log,
      admission: { busyShareMax: -1, latenessP90MaxMs: -1, windowMs: 200, sampleMs: 50, retryAfterS: 7 },
    });
    try {
      const deadline = Date.now() + 5000;
      while (!server.admission.snapshot.refusing) {
        if (Date.now() > deadline) throw new Error('admission never started refusing');
        await new Promise((r) => setTimeout(r, 20));
      }
      const sipp = await startSipp({
        scenario: scenario('flow-503-retry-after-uac.xml'),
        remote: `127.0.0.1:${server.sip.port}`,
        service: '35',
        timeoutSec: 30,
      });
      const res = await sipp.done;
      assert.equal(res.code, 0, `expected 503 with Retry-After: ${res.errors.slice(0, 1500)}`);
      assert.equal(server.registry.list({ ended: true }).length, 0, 'the refused INVITE never became a call');
      assert.equal(server.admission.snapshot.refused, 1);
      assert.ok(messages.includes('media has no headroom: 503'), messages.join(' | '));
    } finally {
      await server.stop();
    }
  });

  it('beyond max-calls a new INVITE gets 503; stopping the server BYEs the call in progress', async () => {
    const server = await startServer({
      apps: ['example-ivr'],
      sip: { host: '127.0.0.1', port: await freePort() },
      admin: null,
      maxCalls: 1,
      logger: logger(),
    });
    try {
      const remote = `127.0.0.1:${server.sip.port}`;
      const first = await startSipp({ scenario: scenario('flow-wait-bye-uac.xml'), remote, service: '35', timeoutSec: 30 });
      const rec = await waitForRecord(server, (r) => r.flow === 'ivr' && r.state === 'GREETING');

      const second = await startSipp({ scenario: scenario('flow-503-uac.xml'), remote, service: '35', timeoutSec: 30 });
      const r2 = await second.done;
      assert.equal(r2.code, 0, `second caller expected 503: ${r2.errors.slice(0, 1500)}`);
      assert.equal(server.registry.activeCount, 1, 'the refused call never became a call');

      await server.stop();
      const r1 = await first.done;
      assert.equal(r1.code, 0, `first caller expected BYE: ${r1.errors.slice(0, 1500)}`);
      await waitForIdle(server);
      const ended = server.registry.get(rec.id)!;
      assert.equal(ended.endReason, 'shutdown');
      assert.equal(ended.outcome, 'completed');
    } finally {
      await server.stop();
    }
  });

  async function bridgeServer(farPort: number) {
    const log = capturing();
    const server = await startServer({
      apps: ['example-bridge'],
      sip: { host: '127.0.0.1', port: await freePort() },
      admin: null,
      config: { sets: [{ key: 'outbound_domain', value: `127.0.0.1:${farPort}` }] },
      logger: log.logger,
    });
    return { server, messages: log.messages, remote: `127.0.0.1:${server.sip.port}` };
  }

  it('shutdown while the far end rings: 503 to the caller, CANCEL to the far end, its 487 ACKed before close', async () => {
    const farPort = await freePort();
    const { server, messages, remote } = await bridgeServer(farPort);
    try {
      const far = await startSipp({ scenario: scenario('flow-ring-uas.xml'), port: farPort, calls: 1, timeoutSec: 30 });
      const caller = await startSipp({ scenario: scenario('flow-503-uac.xml'), remote, service: 'bob', timeoutSec: 30 });
      await waitForRecord(server, (r) => r.flow === 'bridge' && transitionsOf(r).includes('far end rings'));
      await server.stop(15_000);
      const [rc, rf] = await Promise.all([caller.done, far.done]);
      assert.equal(rc.code, 0, `caller expected 503: ${rc.errors.slice(0, 1500)}`);
      assert.equal(rf.code, 0, `far end expected CANCEL then the ACK of its 487: ${rf.errors.slice(0, 1500)}`);
      assert.equal(server.registry.activeCount, 0);
      assert.ok(!messages.some((m) => /still pending/.test(m)), `drained: ${messages.join(' | ')}`);
    } finally {
      await server.stop();
    }
  });

  it('shutdown with both legs connected: BYE to the caller and to the far end, answered before close', async () => {
    const farPort = await freePort();
    const { server, messages, remote } = await bridgeServer(farPort);
    try {
      const far = await startSipp({ scenario: { builtin: 'uas' }, port: farPort, calls: 1, timeoutSec: 30 });
      const caller = await startSipp({ scenario: scenario('flow-wait-bye-uac.xml'), remote, service: 'bob', timeoutSec: 30 });
      await waitForRecord(server, (r) => r.flow === 'bridge' && r.state === 'CONNECTED');
      const before = server.stack.stats.messagesIn;
      await server.stop(15_000);
      assert.ok(server.stack.stats.messagesIn >= before + 2, 'both 200s to our BYEs were received before close');
      const [rc, rf] = await Promise.all([caller.done, far.done]);
      assert.equal(rc.code, 0, `caller expected BYE: ${rc.errors.slice(0, 1500)}`);
      assert.equal(rf.code, 0, `far end expected BYE: ${rf.errors.slice(0, 1500)}`);
      assert.equal(server.registry.activeCount, 0);
      assert.ok(!messages.some((m) => /still pending/.test(m)), `drained: ${messages.join(' | ')}`);
    } finally {
      await server.stop();
    }
  });
});
