/**
 * A flow that dials out and bridges two legs in a room, on loopback with sipp on both sides: sipp calls the server,
 * the bridge flow dials a sipp UAS, joins both legs in one conference room. Hang-ups from either side, a CANCEL
 * while the far end rings and a busy far end all end both legs properly; the registry is empty after each.
 */
// Media engine: both modes — both legs are joined in a conference room of the media engine.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CallRecord, RunningServer } from '../../packages/runtime/src/server/index.js';
import { freePort } from '../support/ports.js';
import { startSipp, type SippProcess, type SippResult } from '../support/sipp.js';
import { startTestServer, transitionsOf, waitForIdle, waitForRecord } from './flow-support.js';

const scenario = (name: string) => ({ file: fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url)) });

describe('example-bridge against sipp', () => {
  let server: RunningServer;
  let farPort: number;

  before(async () => {
    farPort = await freePort();
    server = await startTestServer({
      apps: ['example-bridge'],
      config: { sets: [{ key: 'outbound_domain', value: `127.0.0.1:${farPort}` }] },
    });
  });
  afterEach(async () => {
    await waitForIdle(server);
    assert.equal(server.registry.activeCount, 0, 'no call left behind');
    assert.equal(server.media.streamCount, 0, 'every media stream closed');
  });
  after(async () => {
    await server?.stop();
  });

  const caller = (file: { builtin: string } | { file: string }, args: string[] = []) =>
    startSipp({ scenario: file, remote: `127.0.0.1:${server.sip.port}`, service: 'bob', calls: 1, timeoutSec: 30, args });
  const farEnd = (file: { builtin: string } | { file: string }, args: string[] = []) =>
    startSipp({ scenario: file, port: farPort, calls: 1, timeoutSec: 30, args });

  /** Both sipps ran their scenario to the end (exit 0: every message they expect came), then no call is active. */
  async function bothPassed(uac: SippProcess, far: SippProcess): Promise<[SippResult, SippResult]> {
    const [ru, rf] = await Promise.all([uac.done, far.done]);
    assert.equal(ru.code, 0, `caller sipp: ${ru.errors.slice(0, 1500)}`);
    assert.equal(rf.code, 0, `far-end sipp: ${rf.errors.slice(0, 1500)}`);
    await waitForIdle(server);
    return [ru, rf];
  }

  /** The far end (UAS) first, then one call from the caller (UAC), both run to their end. */
  async function runCall(farScenario: string, callerScenario: string, farArgs: string[] = []): Promise<void> {
    const far = await farEnd(scenario(farScenario), farArgs);
    await bothPassed(await caller(scenario(callerScenario)), far);
  }

  /** The last bridge (caller) leg and its far-end leg. */
  function lastBridge(): { a: CallRecord; b: CallRecord } {
    const recs = server.registry.list({ ended: true });
    const a = recs.filter((r) => r.flow === 'bridge').at(-1)!;
    return { a, b: recs.find((r) => r.parentId === a.id)! };
  }

  it('dials the far end, bridges both legs in one room, and the caller BYE ends both', async () => {
    const far = await farEnd({ builtin: 'uas' });
    const connected = waitForRecord(server, (r) => r.flow === 'bridge' && r.state === 'CONNECTED');
    const bridged = waitForRecord(server, (r) => r.flow === 'farEnd' && r.state === 'BRIDGED');
    const uac = await caller({ builtin: 'uac' }, ['-d', '3000']);
    const [a, b] = await Promise.all([connected, bridged]);
    assert.equal(b.parentId, a.id, 'the far-end leg belongs to the caller leg');
    assert.equal(b.direction, 'outbound');
    assert.equal(b.requestUri, `sip:bob@127.0.0.1:${farPort}`);
    assert.deepEqual(server.media.roomMembers(a.id).length, 2, 'both legs in the caller room');

    await bothPassed(uac, far);
    const callerRec = server.registry.get(a.id)!;
    assert.deepEqual(transitionsOf(callerRec), ['got INVITE', 'far end rings', 'far end answered', 'caller hung up']);
    assert.equal(callerRec.outcome, 'completed');
    const farRec = server.registry.get(b.id)!;
    assert.deepEqual(transitionsOf(farRec), ['joined the room', 'bridge ended']);
    assert.equal(farRec.outcome, 'completed');
  });

  it('the far end hanging up sends BYE to the caller', async () => {
    await runCall('flow-bye-uas.xml', 'flow-wait-bye-uac.xml', ['-d', '500']);
    assert.deepEqual(transitionsOf(lastBridge().a).slice(-1), ['far end hung up']);
  });

  type LegEnd = Partial<Pick<CallRecord, 'outcome' | 'endReason'>>;
  /** The fields of `r` that `want` names. */
  const fields = (r: CallRecord, want: LegEnd): LegEnd => Object.fromEntries(Object.keys(want).map((k) => [k, r[k as keyof LegEnd]]));

  // The far end never answers: how the caller leg (a) and the far-end leg (b) end.
  for (const c of [
    {
      title: 'a CANCEL while the far end rings: 487 to the caller, CANCEL to the far end',
      far: 'flow-ring-uas.xml',
      caller: 'flow-cancel-uac.xml',
      lastTransition: 'caller cancelled',
      a: { outcome: 'cancelled' },
      b: { outcome: 'cancelled' },
    },
    {
      title: 'a busy far end: its 486 is passed to the caller',
      far: 'flow-busy-uas.xml',
      caller: 'flow-busy-uac.xml',
      lastTransition: 'far end refused',
      a: { outcome: 'rejected', endReason: '486' },
      b: { outcome: 'failed', endReason: '486' },
    },
  ] satisfies Array<{ title: string; far: string; caller: string; lastTransition: string; a: LegEnd; b: LegEnd }>) {
    it(c.title, async () => {
      await runCall(c.far, c.caller);
      const { a, b } = lastBridge();
      assert.deepEqual(transitionsOf(a).slice(-1), [c.lastTransition]);
      assert.deepEqual(fields(a, c.a), c.a, 'caller leg');
      assert.deepEqual(fields(b, c.b), c.b, 'far-end leg');
    });
  }

  it('ten bridged calls at once: every leg is bridged and ended, nothing left behind', async () => {
    const far = await startSipp({ scenario: { builtin: 'uas' }, port: farPort, calls: 10, timeoutSec: 60 });
    const uac = await startSipp({
      scenario: { builtin: 'uac' },
      remote: `127.0.0.1:${server.sip.port}`,
      service: 'bob',
      calls: 10,
      rate: 10,
      limit: 10,
      timeoutSec: 60,
      args: ['-d', '1000'],
    });
    const [ru] = await bothPassed(uac, far);
    assert.equal(ru.stats['SuccessfulCall(C)'], '10');
    const bridges = server.registry
      .list({ ended: true })
      .filter((r) => r.flow === 'bridge')
      .slice(-10);
    assert.equal(bridges.length, 10);
    for (const b of bridges) assert.deepEqual(transitionsOf(b).slice(-2), ['far end answered', 'caller hung up']);
  });
});
