/**
 * Requests inside a dialog are taken only from the dialog's peer (docs/security.md): a stranger on another host who
 * knows a call's Call-ID, both tags and its CSeq — a leaked trace — cannot end it with a BYE, nor send INFO (DTMF)
 * or a re-INVITE (move its media) into it. Against the real server on loopback, raw UDP peers on both sides:
 *   - inbound (example-ivr answers at once): BYE, INFO and re-INVITE from 127.0.0.2, with the caller's own Via copied
 *     or with their own, get 403 and the call goes on; the caller's own BYE then ends it (200);
 *   - outbound (example-bridge: the far end answered): a BYE from 127.0.0.2 in the far end's dialog gets 403 and the
 *     bridge stays up; the far end's own BYE ends both legs.
 */
// Media engine: both modes — a re-INVITE or INFO the stranger sends would reach the call's engine stream; the peer's own must.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { RawPeer, header, isRequest, responseTo } from '../../packages/runtime/test/sip/raw-peer.js';
import { startTestServer, waitForIdle, waitForRecord } from './flow-support.js';
// A loaded machine's 'Overloaded' 503s (server/admission.ts headroom rule) are not what these cases are about.
import { NO_HEADROOM_RULE } from '../support/admission-flood.js';

const sdp = (port: number) => ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, ''].join('\r\n');

interface DialogSide {
  callId: string;
  /** The sender's From (with its tag) and To (with ours), as in its dialog. */
  from: string;
  to: string;
  ruri: string;
}

/** An in-dialog request as `peer` sends it; `via` replaces its own Via (a stranger copying the real peer's). */
function inDialog(
  peer: RawPeer,
  d: DialogSide,
  method: string,
  cseq: number,
  opts: { via?: string; body?: string; contentType?: string } = {},
): string {
  const body = opts.body ?? '';
  return [
    `${method} ${d.ruri} SIP/2.0`,
    opts.via ?? `Via: SIP/2.0/UDP ${peer.socket.address().address}:${peer.port};branch=z9hG4bK-${method.toLowerCase()}-${cseq}-${peer.port};rport`,
    `From: ${d.from}`,
    `To: ${d.to}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:x@${peer.socket.address().address}:${peer.port}>`,
    'Max-Forwards: 70',
    ...(body ? [`Content-Type: ${opts.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const answerTo = (callId: string, method: string) => (m: string) =>
  /^SIP\/2\.0 [2-6]\d\d /.test(m) && header(m, 'Call-ID') === callId && new RegExp(`^CSeq:\\s*\\d+ ${method}\\s*$`, 'im').test(m);
const codeOf = (m: string) => Number(m.split(' ')[1]);

describe('in-dialog requests only from the dialog peer (real server)', () => {
  const servers: RunningServer[] = [];
  const peers: RawPeer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    for (const p of peers) await p.close();
  });
  const open = async (address?: string) => {
    const p = await RawPeer.open(address);
    peers.push(p);
    return p;
  };

  it("a stranger's BYE, INFO and re-INVITE in an inbound call get 403; the caller's BYE ends it", async () => {
    const server = await startTestServer({ apps: ['example-ivr'], admission: NO_HEADROOM_RULE });
    servers.push(server);
    const caller = await open();
    const stranger = await open('127.0.0.2');
    const callId = `dlgsrc-in-${process.pid}`;
    const ruri = `sip:35@127.0.0.1:${server.sip.port}`;
    const callerVia = `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK-inv-${caller.port};rport`;
    const invite = inDialog(caller, { callId, from: `<sip:caller@127.0.0.1>;tag=ct1`, to: `<${ruri}>`, ruri }, 'INVITE', 1, {
      via: callerVia,
      body: sdp(40000),
    });
    await caller.send(invite, server.sip.port);
    const ok = await caller.next((m) => m.startsWith('SIP/2.0 200 ') && header(m, 'Call-ID') === callId);
    const to = header(ok, 'To')!;
    await caller.send(inDialog(caller, { callId, from: `<sip:caller@127.0.0.1>;tag=ct1`, to, ruri }, 'ACK', 1, { via: callerVia }), server.sip.port);
    const record = await waitForRecord(server, (r) => r.sipCallId === callId && r.state !== '' && r.outcome === 'active');

    const asCaller: DialogSide = { callId, from: `<sip:caller@127.0.0.1>;tag=ct1`, to, ruri };
    const attempts: Array<[string, string]> = [
      ['BYE', inDialog(stranger, asCaller, 'BYE', 2)],
      ['BYE', inDialog(stranger, asCaller, 'BYE', 3, { via: callerVia.replace('inv', 'bye') })],
      ['INFO', inDialog(stranger, asCaller, 'INFO', 4, { body: 'Signal=1\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' })],
      ['INVITE', inDialog(stranger, asCaller, 'INVITE', 5, { body: sdp(40100) })],
    ];
    for (const [method, text] of attempts) {
      await stranger.send(text, server.sip.port);
      const answer = await stranger.next(answerTo(callId, method), 5_000);
      assert.equal(codeOf(answer), 403, `a stranger's ${method}: ${answer.split('\r\n')[0]}`);
    }
    assert.equal(server.registry.get(record.id)?.outcome, 'active', 'the call goes on');
    assert.equal(
      caller.count((m) => isRequest('BYE')(m)),
      0,
      'the caller was not hung up on',
    );

    await caller.send(inDialog(caller, asCaller, 'BYE', 6), server.sip.port);
    assert.equal(codeOf(await caller.next(answerTo(callId, 'BYE'), 5_000)), 200);
    await waitForIdle(server);
    assert.equal(server.registry.get(record.id)?.endReason, 'bye');
  });

  it("a stranger's BYE in the far end's dialog of a bridge gets 403; the far end's BYE ends both legs", async () => {
    const far = await open();
    const server = await startTestServer({
      apps: ['example-bridge'],
      config: { sets: [{ key: 'outbound_domain', value: `127.0.0.1:${far.port}` }] },
      admission: NO_HEADROOM_RULE,
    });
    servers.push(server);
    const caller = await open();
    const stranger = await open('127.0.0.2');
    const callId = `dlgsrc-out-${process.pid}`;
    const ruri = `sip:far@127.0.0.1:${server.sip.port}`;
    const callerSide = { callId, from: `<sip:caller@127.0.0.1>;tag=ct2`, to: `<${ruri}>`, ruri };
    await caller.send(inDialog(caller, callerSide, 'INVITE', 1, { body: sdp(40200) }), server.sip.port);
    const farInvite = await far.next(isRequest('INVITE'), 10_000);
    const farContact = `<sip:far@127.0.0.1:${far.port}>`;
    await far.send(responseTo(farInvite, 200, 'OK', 'ft2', [`Contact: ${farContact}`], sdp(40300)), server.sip.port);
    await far.next(isRequest('ACK'), 5_000);
    const ok = await caller.next((m) => m.startsWith('SIP/2.0 200 ') && header(m, 'Call-ID') === callId);
    await caller.send(inDialog(caller, { ...callerSide, to: header(ok, 'To')! }, 'ACK', 1), server.sip.port);
    const bridged = await waitForRecord(server, (r) => r.flow === 'bridge' && r.state === 'CONNECTED');

    // The far end's dialog as the far end sees it: its From is the INVITE's To (with its tag), its To the INVITE's From.
    const farSide: DialogSide = {
      callId: header(farInvite, 'Call-ID')!,
      from: `${header(farInvite, 'To')!};tag=ft2`,
      to: header(farInvite, 'From')!,
      ruri: /<([^>]+)>/.exec(header(farInvite, 'Contact')!)![1]!,
    };
    await stranger.send(inDialog(stranger, farSide, 'BYE', 2), server.sip.port);
    const refused = await stranger.next(answerTo(farSide.callId, 'BYE'), 5_000);
    assert.equal(codeOf(refused), 403, refused.split('\r\n')[0]);
    assert.equal(server.registry.get(bridged.id)?.outcome, 'active', 'the bridge stays up');

    await far.send(inDialog(far, farSide, 'BYE', 3), server.sip.port);
    assert.equal(codeOf(await far.next(answerTo(farSide.callId, 'BYE'), 5_000)), 200);
    const bye = await caller.next(isRequest('BYE'), 5_000);
    await caller.send(responseTo(bye, 200, 'OK', 'x'), server.sip.port);
    await waitForIdle(server);
  });
});
