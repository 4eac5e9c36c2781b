/**
 * The runtime on loopback with sipp as the caller: the example IVR answers, plays, collects a wrong code then the
 * right one (SIP INFO), says goodbye and hangs up. The registry records the state graph and is empty afterwards.
 */
// Media engine: both modes — the IVR plays prompts and collects digits through the media engine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { startSipp } from '../support/sipp.js';
import { writeRfc4733Pcap } from '../support/pcap-rfc4733.js';
import { tempDir } from '../support/audio-wav.js';
import { startTestServer, transitionsOf, waitForIdle } from './flow-support.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));
/** The media engineer's UAC: offers [codecs] with telephone-event at [tept], replays [pcap] after the ACK, waits for BYE. */
const mediaUac = fileURLToPath(new URL('../fixtures/media/uac-media.xml', import.meta.url));

describe('example-ivr against sipp', () => {
  let server: RunningServer;

  before(async () => {
    server = await startTestServer({
      apps: ['example-ivr'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('answers, plays, collects digits by SIP INFO (wrong code, then right), says goodbye and hangs up', async () => {
    const sipp = await startSipp({
      scenario: { file: scenario('flow-ivr-uac.xml') },
      remote: `127.0.0.1:${server.sip.port}`,
      service: '35',
      calls: 1,
      timeoutSec: 40,
    });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 2000)}`);
    await waitForIdle(server);
    const [record] = server.registry.list({ ended: true });
    assert.ok(record, 'the call was recorded');
    assert.equal(record.app, 'example-ivr');
    assert.equal(record.flow, 'ivr');
    assert.equal(record.direction, 'inbound');
    assert.match(record.requestUri, /^sip:35@127\.0\.0\.1/);
    assert.equal(record.state, 'END');
    assert.equal(record.outcome, 'completed');
    const transitions = record.stateGraph.flatMap((s) => (s.kind === 'transition' ? [s.description] : []));
    assert.deepEqual(transitions.slice(0, 2), ['got INVITE', 'first key']);
    assert.ok(transitions.includes('code wrong'), transitions.join(' | '));
    assert.deepEqual(transitions.slice(-3), ['code complete', 'code right', 'said goodbye']);
    assert.equal(server.registry.activeCount, 0);
    assert.equal(server.media.streamCount, 0, 'media stream closed');
  });

  for (const pt of [101, 96]) {
    it(`collects the code sent as RFC 4733 telephone-events at PT ${pt} (from a pcap), says goodbye, hangs up`, async () => {
      const pcap = writeRfc4733Pcap(tempDir('sipflow-flow-ivr-'), '1234', pt);
      const sipp = await startSipp({
        scenario: { file: mediaUac },
        remote: `127.0.0.1:${server.sip.port}`,
        service: '36',
        keys: { codecs: `0 ${pt}`, tept: String(pt), pcap },
        timeoutSec: 40,
      });
      const res = await sipp.done;
      assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 2000)}`);
      await waitForIdle(server);
      const record = server.registry
        .list({ ended: true })
        .filter((r) => r.requestUri.startsWith('sip:36@'))
        .at(-1)!;
      assert.deepEqual(transitionsOf(record), [
        'got INVITE',
        'first key',
        'one more key',
        'one more key',
        'one more key',
        'code complete',
        'code right',
        'said goodbye',
      ]);
      assert.equal(server.media.streamCount, 0, 'media stream closed');
    });
  }
});
