/**
 * The media engine against sipp (an independent peer) through the real SIP layer: PINs with repeated digits
 * sent as RFC 4733 (at PT 101 and 96) and in-band tones (PCMU, PCMA) from pcaps generated here, by SIP INFO;
 * a prompt played to sipp checked on the wire (dumpcap); flush within one tick; two sipp legs in a room.
 */
// Media engine: both modes — it tests the media engine itself (DTMF, prompts, rooms) against sipp.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startSipp, type SippProcess } from '../support/sipp.js';
import { MediaSipHarness, type HarnessCall } from '../support/media-sip-harness.js';
import { writeRfc4733Pcap, writeInbandPcap, writePacketsPcap } from '../support/pcap-rfc4733.js';
import { startCapture, type Capture, type CapturedRtp } from '../support/pcap-capture.js';
import { tempDir, writeWav, numberedFrames, sine } from '../support/audio-wav.js';
import { talkerPackets, matchTalkerFrames } from '../support/rtp-talker.js';
import { until as waitUntil } from '../support/deadline.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/media/${name}`, import.meta.url));
const PIN = '11223';

/** The calls here wait up to 20 s for their counts (sipp's pace under a loaded machine). */
const until = (cond: () => boolean, what: string): Promise<void> => waitUntil(cond, what, 20_000);

describe('media engine against sipp', () => {
  let h: MediaSipHarness;
  const dir = tempDir('sipflow-media-e2e-');

  before(async () => {
    h = await MediaSipHarness.start();
  });
  after(async () => {
    await h.stop();
  });

  /** One sipp UAC call with the media scenario; the harness hangs up when `done(call)` holds. */
  async function sippCall(keys: Record<string, string>, done: (c: HarnessCall) => boolean, scenario = 'uac-media.xml'): Promise<HarnessCall> {
    const before = h.calls.length;
    h.onCall = (c) => {
      void until(() => done(c), 'the call to have what the test needs').then(
        () => c.call.hangup(),
        () => c.call.hangup(),
      );
    };
    const sipp = await startSipp({ scenario: { file: fixture(scenario) }, remote: h.sipTarget, keys, timeoutSec: 40 });
    const res = await sipp.done;
    assert.equal(res.code, 0, `sipp failed (${res.code}): ${res.errors.slice(0, 1500)} ${res.stderr.slice(0, 500)}`);
    const c = h.calls[before];
    assert.ok(c, 'the harness answered');
    assert.equal(await c.ended, 'local');
    return c;
  }

  for (const pt of [101, 96]) {
    it(`RFC 4733 PIN ${PIN} from a pcap at PT ${pt}`, async () => {
      const pcap = writeRfc4733Pcap(dir, PIN, pt);
      const c = await sippCall({ codecs: `0 ${pt}`, tept: String(pt), pcap }, (c) => c.dtmf.length >= PIN.length);
      assert.equal(c.dtmf.map((d) => d.key).join(''), PIN);
      assert.ok(
        c.dtmf.every((d) => d.source === 'rfc4733'),
        JSON.stringify(c.dtmf),
      );
    });
  }

  it(`PIN ${PIN} by SIP INFO (application/dtmf-relay)`, async () => {
    const c = await sippCall({ codecs: '0 101', tept: '101' }, (c) => c.dtmf.length >= PIN.length, 'uac-info.xml');
    assert.equal(c.dtmf.map((d) => d.key).join(''), PIN);
    assert.ok(c.dtmf.every((d) => d.source === 'info' && d.durationMs === 160));
  });

  for (const codec of ['PCMU', 'PCMA'] as const) {
    it(`in-band PIN ${PIN} in ${codec}`, async () => {
      const pcap = writeInbandPcap(dir, PIN, codec);
      const codecs = codec === 'PCMU' ? '0 101' : '8 101';
      const c = await sippCall({ codecs, tept: '101', pcap }, (c) => c.dtmf.length >= PIN.length);
      assert.equal(c.stream.codec, codec);
      assert.equal(c.dtmf.map((d) => d.key).join(''), PIN);
      assert.ok(c.dtmf.every((d) => d.source === 'inband'));
    });
  }

  /** Our packets to one leg, from the capture. */
  function sentTo(cap: CapturedRtp[], c: HarnessCall): CapturedRtp[] {
    return cap.filter((p) => p.srcPort === c.stream.localPort);
  }

  /** dumpcap on what the engine sends (from our RTP port range). */
  function captureOurRtp(): Promise<Capture> {
    return startCapture(`udp src portrange ${h.portRange[0]}-${h.portRange[1]}`);
  }

  /** A sipp UAC with the media scenario, offering `codecs` (telephone-event at 101) and sending `pcap`. */
  function mediaUac(codecs: string, pcap: string): Promise<SippProcess> {
    return startSipp({
      scenario: { file: fixture('uac-media.xml') },
      remote: h.sipTarget,
      keys: { codecs, tept: '101', pcap },
      timeoutSec: 40,
    });
  }

  /**
   * We hang up `c`; once sipp has ended, the stream is closed and every packet we sent to `c` is in the capture,
   * returns those packets. Asserts that sipp passed its scenario.
   */
  async function hangupAndCapture(c: HarnessCall, sipp: SippProcess, cap: Capture): Promise<CapturedRtp[]> {
    c.call.hangup();
    const res = await sipp.done;
    await until(() => c.stream.closed, 'stream closed');
    await cap.waitFor((all) => sentTo(all, c).length >= c.stream.stats.packetsOut, 'all our packets captured');
    const pk = sentTo(await cap.stop(), c);
    assert.equal(res.code, 0, res.errors.slice(0, 1000));
    return pk;
  }

  /**
   * Sequence numbers strictly continuous; timestamps +160 per packet, except that after a clock stall longer
   * than the engine makes up for (100 ms) the timestamp jumps by whole frames: allowed only if the engine says
   * it dropped frames.
   */
  function assertContinuous(pk: CapturedRtp[]): void {
    for (let i = 1; i < pk.length; i++) {
      assert.equal(pk[i]!.seq, (pk[i - 1]!.seq + 1) & 0xffff, `seq at ${i}`);
      const dts = (pk[i]!.timestamp - pk[i - 1]!.timestamp) >>> 0;
      if (dts !== 160) {
        assert.ok(dts % 160 === 0 && h.engine.clockStats.framesDropped > 0, `timestamp step ${dts} at ${i}`);
      }
    }
  }

  it('a prompt played to sipp arrives complete and in order (checked on the wire)', async () => {
    const prompt = writeWav(join(dir, 'numbered.wav'), [numberedFrames(75)]);
    const encoded = (await h.engine.loadPrompt(prompt)).encoded.PCMU;
    const frames = encoded.length / 160;
    const silence = writePacketsPcap(dir, 'nothing.pcap', []);
    const cap = await captureOurRtp();
    let ended = false;
    const before = h.calls.length;
    h.onCall = (c) => {
      c.stream.on('playlistEnded', () => (ended = true));
      void c.stream.play(prompt);
    };
    const sipp = await mediaUac('0 101', silence);
    await until(() => ended, 'playlistEnded');
    const c = h.calls[before]!;
    const sentAtEnd = c.stream.stats.packetsOut;
    await until(() => c.stream.stats.packetsOut >= sentAtEnd + 5, 'a few silence frames after the prompt');
    const pk = await hangupAndCapture(c, sipp, cap);
    const start = pk.findIndex((p) => p.payload.equals(encoded.subarray(0, 160)));
    assert.ok(start >= 0, 'first prompt frame on the wire');
    const talk = pk.slice(start, start + frames);
    assert.equal(talk.length, frames, 'packet count');
    assertContinuous(pk);
    assert.ok(talk[0]!.marker, 'marker at the talkspurt start');
    assert.deepEqual(Buffer.concat(talk.map((p) => p.payload)), encoded, 'payload equals the encoded prompt');
    assert.ok(
      pk.slice(start + frames).every((p) => p.payload.every((b) => b === 0xff)),
      'silence afterwards',
    );
  });

  it('flush stops the prompt within one tick (checked on the wire)', async () => {
    const prompt = writeWav(join(dir, 'tone.wav'), [sine(700, 3000, 9000)]);
    const silence = writePacketsPcap(dir, 'nothing.pcap', []);
    const cap = await captureOurRtp();
    let sentAtFlush = -1;
    const before = h.calls.length;
    h.onCall = (c) => {
      void c.stream.play(prompt, { loop: true });
    };
    const sipp = await mediaUac('8 101', silence);
    await h.waitCalls(before + 1);
    const c = h.calls[before]!;
    await until(() => c.stream.playing && c.stream.stats.packetsOut >= 30, 'prompt playing');
    c.stream.flush();
    sentAtFlush = c.stream.stats.packetsOut;
    await until(() => c.stream.stats.packetsOut >= sentAtFlush + 10, 'packets after flush');
    const pk = await hangupAndCapture(c, sipp, cap);
    assert.ok(pk.length >= sentAtFlush + 10, `captured ${pk.length} of ${c.stream.stats.packetsOut}: ${pk.map((p) => p.seq).join(',')}`);
    assertContinuous(pk);
    const isSilence = (p: CapturedRtp) => p.payload.every((b) => b === 0xd5);
    assert.ok(!isSilence(pk[sentAtFlush - 1]!), 'the prompt was playing up to the flush');
    // Everything after the packet of the tick in progress is silence.
    assert.ok(pk.slice(sentAtFlush + 1).every(isSilence), 'silence within one tick of flush');
  });

  it('two sipp legs in a room hear each other (known audio in, the other side receives it)', async () => {
    const N = 100;
    const pcaps = [1, 2].map((t) => writePacketsPcap(dir, `talker${t}.pcap`, talkerPackets(t, N)));
    const cap = await captureOurRtp();
    const before = h.calls.length;
    h.onCall = (c) => c.stream.join('e2e-room');
    const sipps = await Promise.all(pcaps.map((pcap) => mediaUac('0 101', pcap)));
    const legs = await h.waitCalls(before + 2).then((all) => all.slice(before));
    assert.deepEqual(h.engine.roomMembers('e2e-room').sort(), legs.map((l) => l.stream.id).sort());
    await until(() => legs.every((l) => l.stream.stats.packetsIn >= N), 'both talkers received');
    const mark = legs.map((l) => l.stream.stats.packetsOut);
    await until(() => legs.every((l, i) => l.stream.stats.packetsOut >= mark[i]! + 10), 'the mix drained');
    for (const l of legs) l.call.hangup();
    const results = await Promise.all(sipps.map((s) => s.done));
    await until(() => legs.every((l) => l.stream.closed), 'streams closed');
    await cap.waitFor((all) => legs.every((l) => sentTo(all, l).length >= l.stream.stats.packetsOut), 'all our packets captured');
    const all = await cap.stop();
    for (const r of results) assert.equal(r.code, 0, r.errors.slice(0, 1000));
    // Which talker each leg was: its first inbound packet's SSRC is not visible here; use the pcap order instead:
    // the leg that hears talker 1 must be the other one, so check both pairings and require a clean one.
    const heard = legs.map((l) => sentTo(all, l).map((p) => p.payload));
    const pairing = (a: number, b: number) => [matchTalkerFrames(heard[a]!, 2, N), matchTalkerFrames(heard[b]!, 1, N)];
    const candidates = [pairing(0, 1), pairing(1, 0)];
    const ok = candidates.find(([x, y]) => !x!.includes(-1) && !y!.includes(-1) && x!.length > 0 && y!.length > 0);
    assert.ok(ok, 'each leg hears only the other talker');
    for (const frames of ok) {
      assert.ok(frames.length >= N * 0.9, `heard ${frames.length}/${N} frames`);
      for (let i = 1; i < frames.length; i++) assert.ok(frames[i]! > frames[i - 1]!, 'in order');
    }
  });
});
