/**
 * Media source validation end to end (the "RTP bleed" rows of the hardening issue): the real server and quizconnect on
 * loopback, sipp as caller and callees, RTP sockets owned by the test behind every SDP, and a stranger who knows
 * the server's RTP ports. By default the server takes RTP and RTCP only from the address the SDP names:
 *   - a stranger's RTP before the caller spoke does not steal the call's audio;
 *   - an RTP flood across the whole RTP range while a call is set up changes nothing: the call connects, its audio
 *     goes where the SDPs say, both ways;
 *   - nothing, RTP or RTCP, is ever sent back to the stranger or the flooder (no reflection);
 *   - every rejected packet is counted (sipflow_rtp_rejected_source_total);
 *   - with --rtp-latch (peers behind NAT) the stream latches once, to a source on the signalling peer's IP only, and
 *     never away from the source it latched to.
 * Runs on media workers and again with media on the main thread (scripts/test.mjs).
 */
// Media engine: both modes — RTP source validation runs inside the media engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertPairPassed, withQuiz, type QuizHarness } from '../support/quizconnect-harness.js';
import { RtpPeer, buildRtp } from '../support/rtp-peer.js';
import { freeMediaPorts } from '../support/ports.js';
import { until } from '../support/deadline.js';

/** An RTCP receiver report (no report blocks), what a flooder would send to the odd ports. */
const RR = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 7]);

function rtp(seq: number): Buffer {
  return buildRtp({ pt: 0, seq, timestamp: seq * 160, ssrc: 0xbad, payload: Buffer.alloc(160, 0x55) });
}

function sendRtcp(peer: RtpPeer, port: number, address: string): Promise<void> {
  return new Promise((resolve) => peer.rtcpSocket!.send(RR, port, address, () => resolve()));
}

/** The server's count of packets rejected for their source (media workers report every 100 ms). */
function rejected(h: QuizHarness): number {
  return h.server.media.rtpPacketsRejected ?? 0;
}

async function privateRange(): Promise<[number, number]> {
  const base = await freeMediaPorts(40);
  return [base, base + 39];
}

describe('media source validation against sipp (no RTP bleed, no reflection)', () => {
  it("a stranger's RTP and RTCP to the call's ports before the caller speaks: the audio stays with the caller", async () => {
    await withQuiz({ rtpPorts: await privateRange() }, async (h) => {
      const stranger = await RtpPeer.open({ withRtcp: true });
      try {
        const pair = await h.startPair({ behaviours: { john: 'ring', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 4000 });
        // The welcome prompt flows to the caller, who has not sent a packet yet.
        const to = await h.firstRtp('caller', 3);
        assert.equal(rejected(h), 0);
        await stranger.send(rtp(1), to.port, to.address);
        await sendRtcp(stranger, to.port + 1, to.address);
        const n = h.peers.caller.packets.length;
        await h.peers.caller.waitFor(() => h.peers.caller.packets.length >= n + 50, 20_000, 'a second more of audio at the caller');
        assert.ok(
          h.peers.caller.packets.slice(n).every((p) => p.from.port === to.port),
          'from the same server port',
        );
        await until(() => rejected(h) >= 2, 'the RTP and the RTCP packet counted as rejected');
        await assertPairPassed(pair);
        assert.equal(stranger.packets.length, 0, 'no RTP to the stranger');
        assert.equal(stranger.rtcp.length, 0, 'no RTCP to the stranger');
      } finally {
        stranger.close();
      }
    });
  });

  it("--rtp-latch (NAT): latches once, to the signalling peer's IP only, and never away from the source it latched to", async () => {
    await withQuiz({ rtpPorts: await privateRange(), rtpLatch: true }, async (h) => {
      const stranger = await RtpPeer.open({ host: '127.0.0.2' }); // another host
      const natted = await RtpPeer.open(); // the caller behind a NAT: its signalling's IP, not the port its SDP names
      const late = await RtpPeer.open(); // the same IP again, once the stream has latched
      try {
        const pair = await h.startPair({ behaviours: { john: 'ring', anna: 'ring' } }, { scenario: 'qc-caller-cancel.xml', pauseMs: 5000 });
        // Until something latches, the welcome prompt goes to the address the SDP names.
        const to = await h.firstRtp('caller', 3);
        await stranger.send(rtp(1), to.port, to.address);
        await until(() => rejected(h) >= 1, "the stranger's packet counted as rejected: it is not on the signalling peer's IP");
        await natted.send(rtp(2), to.port, to.address);
        await natted.waitFor(() => natted.packets.length >= 20, 10_000, "the call's audio at the source it latched to");
        const atSdpAddress = h.peers.caller.packets.length;
        await late.send(rtp(3), to.port, to.address);
        const n = natted.packets.length;
        await natted.waitFor(() => natted.packets.length >= n + 25, 10_000, 'half a second more of audio at the latched source');
        await until(() => rejected(h) >= 2, 'the later source counted as rejected: latched once');
        assert.equal(h.peers.caller.packets.length, atSdpAddress, 'nothing more to the SDP address once latched');
        assert.ok(
          natted.packets.every((p) => p.from.port === to.port),
          'from the same server port',
        );
        await assertPairPassed(pair);
        assert.equal(stranger.packets.length, 0, 'no RTP to the stranger');
        assert.equal(late.packets.length, 0, 'no RTP to the later source');
      } finally {
        stranger.close();
        natted.close();
        late.close();
      }
    });
  });

  it('an RTP and RTCP flood across the RTP range while a call is set up: it connects, audio both ways, nothing reflected', async () => {
    const range = await privateRange();
    await withQuiz({ rtpPorts: range, rows: [{ caller: '35', callee: 'john', pin: '12345' }] }, async (h) => {
      const flooder = await RtpPeer.open({ withRtcp: true });
      let seq = 0;
      let sent = 0;
      // Every port of the range, every 20 ms: RTP from the flooder's RTP port, RTCP from its RTCP port.
      const sweep = (): void => {
        seq++;
        for (let port = range[0]; port <= range[1]; port++) {
          if (port % 2 === 0) flooder.socket.send(rtp(seq), port, '127.0.0.1');
          else flooder.rtcpSocket!.send(RR, port, '127.0.0.1');
          sent++;
        }
      };
      sweep();
      const timer = setInterval(sweep, 20);
      try {
        const pair = await h.startPair({ behaviours: { john: 'answer' } }, { scenario: 'qc-caller-connect.xml', pauseMs: 6000 });
        await h.firstRtp('john', 5);
        await h.typeRfc4733('john', '12345', await h.offeredTelephoneEventPt('john'));
        await h.callerIn('CONNECTED');
        await h.talkBothWays('john');
        clearInterval(timer);
        await assertPairPassed(pair);
        await h.idle();
        assert.ok(sent > 1000, `flood of ${sent} packets`);
        assert.ok(rejected(h) > 100, `flood packets counted as rejected: ${rejected(h)}`);
        assert.equal(flooder.packets.length, 0, 'no RTP sent to the flooder');
        assert.equal(flooder.rtcp.length, 0, 'no RTCP sent to the flooder');
      } finally {
        clearInterval(timer);
        flooder.close();
      }
    });
  });
});
