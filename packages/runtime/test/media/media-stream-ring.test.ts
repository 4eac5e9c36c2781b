/**
 * The inbound slot ring of a MediaStream, driven directly (fake sockets, ticks by hand) so the packet/tick order is
 * exact: the ring keeps the newest 32 datagrams when the clock falls behind, counts the rest as overruns, and the
 * kept packets are analysed from the datagram Buffers themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:dgram';
import { MediaStream } from '../../src/media/media-stream.js';
import { PromptCache } from '../../src/media/prompt-cache.js';
import { encode } from '../../src/media/g711.js';
import { dtmfTone } from '../../src/media/dtmf-goertzel.js';
import { buildRtp } from '../../../../test/support/rtp-peer.js';
import { concatPcm } from '../../../../test/support/audio-wav.js';
import { logger } from './loopback-helpers.js';

class FakeSocket extends EventEmitter {
  sent = 0;
  send(): void {
    this.sent++;
  }
  connect(_port: number, _address: string, cb?: () => void): void {
    if (cb) queueMicrotask(cb);
  }
  disconnect(): void {}
  close(): void {}
}

const PEER_PORT = 40002;

function streamWithFakeSockets(rtpHandled?: () => void): { stream: MediaStream; rtp: FakeSocket } {
  const rtp = new FakeSocket();
  const rtcp = new FakeSocket();
  const stream = new MediaStream({
    id: 'ring',
    host: '127.0.0.1',
    port: 40000,
    rtp: rtp as unknown as Socket,
    rtcp: rtcp as unknown as Socket,
    log: logger,
    prompts: new PromptCache(),
    rtcpIntervalMs: 5000,
    joinRoom: () => {},
    leaveRoom: () => {},
    released: () => {},
    ...(rtpHandled ? { rtpHandled } : {}),
  });
  stream.answer(
    ['v=0', 'o=t 1 1 IN IP4 127.0.0.1', 's=t', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${PEER_PORT} RTP/AVP 0`, 'a=sendrecv', ''].join('\r\n'),
  );
  return { stream, rtp };
}

/** 20 ms PCMU packets of `pcm` (a whole number of frames). */
function packets(pcm: Int16Array): Buffer[] {
  const bytes = encode('PCMU', pcm);
  const out: Buffer[] = [];
  for (let k = 0; k * 160 < bytes.length; k++) {
    out.push(buildRtp({ pt: 0, seq: 100 + k, timestamp: k * 160, ssrc: 0x5151, payload: bytes.subarray(k * 160, k * 160 + 160) }));
  }
  return out;
}

test('a full ring drops the oldest datagrams (counted as overruns) and analyses the newest 32', () => {
  const { stream, rtp } = streamWithFakeSockets();
  const keys: string[] = [];
  stream.on('dtmf', ({ key, source }) => keys.push(`${source}:${key}`));
  // 40 packets before any tick: 8 of key 9 (dropped), then silence, key 5, silence.
  const pcm = concatPcm([dtmfTone('9', 160), new Int16Array(8 * 100), dtmfTone('5', 100), new Int16Array(8 * 440)]);
  const pkts = packets(pcm);
  assert.equal(pkts.length, 40);
  const rinfo = { address: '127.0.0.1', family: 'IPv4', port: PEER_PORT, size: 172 };
  for (const p of pkts) rtp.emit('message', p, rinfo);
  assert.equal(stream.stats.packetsIn, 40);
  assert.equal(stream.stats.overruns, 8);
  stream.readInbound(performance.now());
  assert.deepEqual(keys, ['inband:5']);
  // The ring is empty again: the next tick finds nothing, a new press after it is found.
  stream.readInbound(performance.now());
  for (const p of packets(concatPcm([dtmfTone('7', 100), new Int16Array(8 * 100)]))) rtp.emit('message', p, rinfo);
  stream.readInbound(performance.now());
  assert.deepEqual(keys, ['inband:5', 'inband:7']);
  assert.equal(stream.stats.overruns, 8);
  stream.close();
});

test('every datagram on the RTP socket, kept, dropped or from a stranger, is followed by the rtpHandled check (the clock runs a due tick there)', () => {
  let handled = 0;
  let packetsInAtCheck = -1;
  const { stream, rtp } = streamWithFakeSockets(() => {
    handled++;
    packetsInAtCheck = stream.stats.packetsIn;
  });
  const rinfo = { address: '127.0.0.1', family: 'IPv4', port: PEER_PORT, size: 172 };
  const [first] = packets(new Int16Array(160));
  rtp.emit('message', first!, rinfo);
  assert.equal(handled, 1);
  assert.equal(packetsInAtCheck, 1, 'the check comes after the datagram was handled');
  rtp.emit('message', Buffer.from('not rtp'), rinfo); // dropped
  rtp.emit('message', first!, { ...rinfo, address: '127.0.0.9' }); // another source: rejected
  assert.equal(handled, 3);
  assert.equal(stream.stats.packetsDropped, 1);
  assert.equal(stream.stats.packetsRejected, 1);
  stream.close();
  rtp.emit('message', first!, rinfo); // a closed stream no longer listens
  assert.equal(handled, 3);
});
