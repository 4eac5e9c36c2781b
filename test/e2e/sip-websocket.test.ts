/**
 * SIP over WebSocket (RFC 7118) against the real server on loopback, with a Node WebSocket client playing the
 * browser's part on the wire (`.invalid` Via host and Contact, the `sip` subprotocol):
 *   - a call to example-ivr: 200 with SDP, the code typed by SIP INFO, the IVR's BYE comes back on the WebSocket
 *     (its Via says WS), and the flow saw `call.transport` 'ws';
 *   - the client's connection closing mid-call ends the call (no BYE can reach it) and leaves nothing behind;
 *   - garbage on a WebSocket closes that connection with 1002 and is counted; an upgrade without the `sip`
 *     subprotocol gets 400, a plain HTTP request 426; the server keeps answering;
 *   - wss with a certificate and key answers OPTIONS.
 */
// Media engine: both modes — the IVR call over WebSocket plays prompts and takes DTMF through the media engine.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { freePort } from '../support/ports.js';
import {
  headerOf,
  newWsDialog,
  openWsSipClient,
  plainRtpOffer,
  statusOf,
  wsRequest,
  wsResponse,
  webRtcOfferThatNeverConnects,
  type WsSipClient,
} from '../support/ws-sip-client.js';
import { startTestServer, waitForIdle, waitForRecord } from './flow-support.js';

const isStatus = (code: number, method: string) => (m: string) => statusOf(m) === code && (headerOf(m, 'CSeq') ?? '').endsWith(method);

describe('SIP over WebSocket', () => {
  let server: RunningServer;
  let wsUrl: string;
  let wssUrl: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipflow-wss-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    server = await startTestServer({
      apps: ['example-ivr'],
      rtpPorts: [24000, 24999],
      websocket: [
        { host: '127.0.0.1', port: await freePort() },
        { host: '127.0.0.1', port: 0, tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } },
      ],
    });
    const [ws, wss] = server.websocket;
    assert.equal(ws?.transport, 'ws');
    assert.equal(wss?.transport, 'wss');
    wsUrl = `ws://127.0.0.1:${ws!.port}`;
    wssUrl = `wss://127.0.0.1:${wss!.port}`;
  });
  after(() => server?.stop());

  async function answeredCall(client: WsSipClient, user: string) {
    const dialog = newWsDialog();
    const uri = `sip:${user}@127.0.0.1:${server.sip.port}`;
    client.send(wsRequest(dialog, 'INVITE', uri, { body: plainRtpOffer(await freePort()) }));
    const ok = await client.next(isStatus(200, 'INVITE'));
    assert.match(ok, /\r\n\r\nv=0/, '200 OK carries the SDP answer');
    dialog.to = headerOf(ok, 'To');
    client.send(wsRequest(dialog, 'ACK', uri));
    return { dialog, uri };
  }

  it('a call to example-ivr: code by SIP INFO, the IVR hangs up with a BYE on the WebSocket; the flow saw transport ws', async () => {
    const client = await openWsSipClient(wsUrl);
    try {
      const { dialog, uri } = await answeredCall(client, '35');
      const record = await waitForRecord(server, (r) => r.flow === 'ivr' && r.state === 'GREETING');
      assert.equal(record.transport, 'ws');
      for (const key of '1234') {
        dialog.cseq++;
        client.send(wsRequest(dialog, 'INFO', uri, { body: `Signal=${key}\r\nDuration=160\r\n`, contentType: 'application/dtmf-relay' }));
        await client.next((m) => isStatus(200, 'INFO')(m) && headerOf(m, 'CSeq') === `${dialog.cseq} INFO`);
      }
      const bye = await client.next((m) => m.startsWith('BYE '), 20_000);
      assert.match(headerOf(bye, 'Via') ?? '', /^SIP\/2\.0\/WS /, 'the BYE went out as SIP over WebSocket');
      assert.equal(headerOf(bye, 'Call-ID'), dialog.callId);
      client.send(wsResponse(bye, 200, 'OK'));
      const ended = await waitForRecord(server, (r) => r.id === record.id && r.endedAt !== undefined);
      assert.equal(ended.outcome, 'completed');
      await waitForIdle(server);
    } finally {
      client.ws.close();
    }
  });

  it('the client closing its WebSocket mid-call ends the call at once and leaves nothing behind', async () => {
    const client = await openWsSipClient(wsUrl);
    const { dialog } = await answeredCall(client, '36');
    const record = await waitForRecord(server, (r) => r.flow === 'ivr' && r.state === 'GREETING');
    client.ws.terminate();
    const ended = await waitForRecord(server, (r) => r.id === record.id && r.endedAt !== undefined, 5_000);
    assert.equal(ended.outcome, 'completed');
    assert.equal(ended.endReason, 'connection-lost');
    await waitForIdle(server);
    assert.equal((server.stack as unknown as { activeCalls: number }).activeCalls, 0, `call ${dialog.callId} still held by the SIP layer`);
  });

  it('a WebRTC offer whose ICE and DTLS never complete: answered, ended by the server (BYE) after 10 s, nothing left', async () => {
    const client = await openWsSipClient(wsUrl);
    try {
      const dialog = newWsDialog();
      const uri = `sip:37@127.0.0.1:${server.sip.port}`;
      client.send(wsRequest(dialog, 'INVITE', uri, { body: webRtcOfferThatNeverConnects() }));
      const ok = await client.next(isStatus(200, 'INVITE'));
      assert.match(ok, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF /, 'answered with DTLS-SRTP');
      assert.match(ok, /a=fingerprint:sha-256 /);
      assert.match(ok, /a=candidate:.* 127\.0\.0\.1 /, 'an ICE candidate on loopback');
      dialog.to = headerOf(ok, 'To');
      client.send(wsRequest(dialog, 'ACK', uri));
      const bye = await client.next((m) => m.startsWith('BYE '), 20_000);
      client.send(wsResponse(bye, 200, 'OK'));
      const ended = await waitForRecord(server, (r) => r.sipCallId === dialog.callId && r.endedAt !== undefined);
      assert.equal(ended.outcome, 'error', 'the media failed: the call ends as an error');
      await waitForIdle(server);
      assert.equal(server.media.streamCount, 0);
    } finally {
      client.ws.close();
    }
  });

  it('garbage on a WebSocket closes it (1002) and is counted; wrong subprotocol 400, plain HTTP 426; the server goes on', async () => {
    const before = server.stack.stats.malformedDropped;
    const bad = await openWsSipClient(wsUrl);
    bad.ws.send('GET / HTTP/1.1\r\nthis is not SIP\r\n\r\n');
    const closed = await bad.closed;
    assert.equal(closed.code, 1002);
    assert.equal(server.stack.stats.malformedDropped, before + 1);

    const binary = await openWsSipClient(wsUrl);
    binary.ws.send(Buffer.from([0, 1, 2, 255, 254]));
    assert.equal((await binary.closed).code, 1002);

    await assert.rejects(openWsSipClient(wsUrl, { protocol: 'chat' }), /HTTP 400/);
    await assert.rejects(openWsSipClient(wsUrl, { protocol: null }), /HTTP 400/);
    const plain = await fetch(wsUrl.replace('ws:', 'http:'));
    assert.equal(plain.status, 426);

    const good = await openWsSipClient(wsUrl);
    try {
      const dialog = newWsDialog();
      good.send(wsRequest(dialog, 'OPTIONS', `sip:127.0.0.1:${server.sip.port}`));
      await good.next(isStatus(200, 'OPTIONS'));
    } finally {
      good.ws.close();
    }
  });

  it('wss (TLS) answers OPTIONS', async () => {
    const client = await openWsSipClient(wssUrl, { rejectUnauthorized: false });
    try {
      client.send(wsRequest(newWsDialog(), 'OPTIONS', `sip:127.0.0.1:${server.sip.port}`));
      const ok = await client.next(isStatus(200, 'OPTIONS'));
      assert.match(headerOf(ok, 'Via') ?? '', /received=127\.0\.0\.1/);
    } finally {
      client.ws.close();
    }
  });
});
