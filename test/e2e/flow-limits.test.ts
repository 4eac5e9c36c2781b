/**
 * The server's limits and shutdown against sipp: beyond --max-calls a new INVITE gets 503; stopping the server
 * ends a call in progress with BYE; the registry is empty afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startServer } from '../../packages/runtime/src/server/index.js';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';
import { waitForIdle, waitForRecord } from './flow-support.js';

const scenario = (name: string) => ({ file: fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url)) });
const logger = () => pino({ level: process.env.SIPFLOW_TEST_LOG ?? 'silent' });

describe('limits and shutdown against sipp', () => {
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
});
