/**
 * No call outlives its transactions: a caller cancels while the far end rings, on a lossy network, against the real
 * server (example-bridge: the caller leg dials the far end and rings back). Both peers are raw UDP peers that lose
 * chosen messages; T1 is 50 ms, so 64·T1 (the longest any transaction may live) is 3.2 s. After each case the
 * registry is empty (no leg listed) and the stack has nothing pending (no transaction alive) within 64·T1 of the last
 * message, whatever was lost:
 *   - the far end's first provisional is lost: the caller's CANCEL comes while our INVITE has no 1xx, so our CANCEL
 *     waits (RFC 3261 §9.1) until the far end answers our retransmitted INVITE; or no answer ever comes (Timer B);
 *   - the 200 to our CANCEL is lost (Timer E re-sends the CANCEL);
 *   - the far end's first 487 is lost and re-sent (Timer G), or lost and never re-sent: RFC 3261 §9.1 — 64·T1
 *     after the CANCEL the INVITE transaction is given up (watchdog);
 *   - the caller loses our first 100, the 200 to its CANCEL, our first 487.
 */
// Media engine: both modes — the bridge opens and closes engine streams while CANCEL races; none may be left in either engine.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { RunningServer } from '../../packages/runtime/src/server/index.js';
import { RawPeer, header, isRequest, isResponse, request, responseTo, toTagOf } from '../../packages/runtime/test/sip/raw-peer.js';
import { startTestServer, waitForIdle } from './flow-support.js';
// A loaded machine's 'Overloaded' 503s (server/admission.ts headroom rule) are not what these cases are about.
import { NO_HEADROOM_RULE } from '../support/admission-flood.js';

const T1 = 50;
const TIMERS = { t1: T1, t2: 400, t4: 500 };
/** The longest a transaction may live (Timer B/F/H), with room for a loaded machine. */
const LIFETIME_MS = 64 * T1;
const SLACK_MS = 3000;

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0', ''].join('\r\n');

let seq = 0;

/** A caller of the bridge: its INVITE, CANCEL and ACK (one branch, RFC 3261 §9.1). */
class Caller {
  readonly callId = `lossy-${process.pid}-${++seq}`;
  readonly branch = `z9hG4bK-lossy-${seq}`;
  readonly fromTag = `c${seq}`;
  constructor(
    readonly peer: RawPeer,
    readonly serverPort: number,
  ) {}

  #request(method: 'INVITE' | 'CANCEL' | 'ACK', toTag?: string): string {
    return request({
      method,
      ruri: `sip:far@127.0.0.1:${this.serverPort}`,
      branch: this.branch,
      callId: this.callId,
      cseq: 1,
      fromTag: this.fromTag,
      peerPort: this.peer.port,
      ...(toTag ? { toTag } : {}),
      ...(method === 'INVITE' ? { body: SDP } : {}),
    });
  }

  invite = () => this.peer.send(this.#request('INVITE'), this.serverPort);
  cancel = () => this.peer.send(this.#request('CANCEL'), this.serverPort);
  ack = (toTag: string) => this.peer.send(this.#request('ACK', toTag), this.serverPort);
  /** The next response of ours to this call: `code` to `method`. */
  next = (code: number, method: string) => this.peer.next((m) => isResponse(code, method)(m) && header(m, 'Call-ID') === this.callId, 10_000);
}

describe('no call outlives its transactions: CANCEL on a lossy network (real server, T1 = 50 ms)', () => {
  let server: RunningServer;
  let far: RawPeer;

  before(async () => {
    far = await RawPeer.open();
    server = await startTestServer({
      apps: ['example-bridge'],
      config: { sets: [{ key: 'outbound_domain', value: `127.0.0.1:${far.port}` }] },
      sipTimers: TIMERS,
      admission: NO_HEADROOM_RULE,
    });
  });
  afterEach(async () => {
    // Nothing listed, nothing pending: within 64·T1 of the last message whatever was lost.
    await waitForIdle(server, LIFETIME_MS + SLACK_MS);
    assert.ok(await server.stack.drain(LIFETIME_MS + SLACK_MS), `SIP work left: ${JSON.stringify(server.stack.pendingDialogWork)}`);
    assert.equal(server.media.streamCount, 0, 'every media stream closed');
  });
  after(async () => {
    await server?.stop();
    await far?.close();
  });

  /** Call-IDs of the far-end INVITEs seen: retransmissions of an earlier case's INVITE are not a new call. */
  const farCalls = new Set<string>();
  async function farNewInvite(): Promise<string> {
    const invite = await far.next((m) => isRequest('INVITE')(m) && !farCalls.has(header(m, 'Call-ID') ?? ''), 10_000);
    farCalls.add(header(invite, 'Call-ID') ?? '');
    return invite;
  }

  /** A caller INVITEs the bridge; the far end gets the bridge's INVITE. */
  async function ringing(): Promise<{ caller: Caller; farInvite: string }> {
    const caller = new Caller(await RawPeer.open(), server.sip.port);
    await caller.invite();
    await caller.next(100, 'INVITE');
    const farInvite = await farNewInvite();
    return { caller, farInvite };
  }

  /** The caller's CANCEL: 200 to it, 487 to the INVITE, and the caller's ACK. */
  async function callerCancels(caller: Caller): Promise<void> {
    await caller.cancel();
    await caller.next(200, 'CANCEL');
    const terminated = await caller.next(487, 'INVITE');
    await caller.ack(toTagOf(terminated));
  }

  const farCallId = (m: string) => header(m, 'Call-ID');
  const sameCall = (invite: string) => (m: string) => farCallId(m) === farCallId(invite);

  it("the far end's first provisional is lost: our CANCEL waits for the 1xx to the retransmitted INVITE", async () => {
    const { caller, farInvite } = await ringing();
    // The far end's 180 is lost: the caller gives up while our INVITE has no provisional.
    await callerCancels(caller);
    // Timer A brings the INVITE again; the far end answers it with 180 this time, then our CANCEL may go.
    const again = await far.next((m) => isRequest('INVITE')(m) && sameCall(farInvite)(m), 5_000);
    await far.send(responseTo(again, 180, 'Ringing', 'far1', ['Contact: <sip:far@127.0.0.1>']), server.sip.port);
    const cancel = await far.next((m) => isRequest('CANCEL')(m) && sameCall(farInvite)(m), 5_000);
    await far.send(responseTo(cancel, 200, 'OK', 'far1'), server.sip.port);
    await far.send(responseTo(farInvite, 487, 'Request Terminated', 'far1'), server.sip.port);
    await far.next((m) => isRequest('ACK')(m) && sameCall(farInvite)(m), 5_000);
    await caller.peer.close();
  });

  it('the far end never answers at all: Timer B ends our INVITE after 64·T1', async () => {
    const { caller } = await ringing();
    await callerCancels(caller);
    await caller.peer.close();
  });

  it('the 200 to our CANCEL is lost: Timer E sends the CANCEL again', async () => {
    const { caller, farInvite } = await ringing();
    await far.send(responseTo(farInvite, 180, 'Ringing', 'far2', ['Contact: <sip:far@127.0.0.1>']), server.sip.port);
    await caller.next(180, 'INVITE');
    await callerCancels(caller);
    await far.next((m) => isRequest('CANCEL')(m) && sameCall(farInvite)(m), 5_000);
    // Its 200 is lost; the 487 gets through and is ACKed.
    await far.send(responseTo(farInvite, 487, 'Request Terminated', 'far2'), server.sip.port);
    await far.next((m) => isRequest('ACK')(m) && sameCall(farInvite)(m), 5_000);
    const again = await far.next((m) => isRequest('CANCEL')(m) && sameCall(farInvite)(m), 5_000);
    await far.send(responseTo(again, 200, 'OK', 'far2'), server.sip.port);
    await caller.peer.close();
  });

  it("the far end's first 487 is lost and re-sent: the second is ACKed", async () => {
    const { caller, farInvite } = await ringing();
    await far.send(responseTo(farInvite, 180, 'Ringing', 'far3', ['Contact: <sip:far@127.0.0.1>']), server.sip.port);
    await caller.next(180, 'INVITE');
    await callerCancels(caller);
    const cancel = await far.next((m) => isRequest('CANCEL')(m) && sameCall(farInvite)(m), 5_000);
    await far.send(responseTo(cancel, 200, 'OK', 'far3'), server.sip.port);
    // The first 487 is lost; Timer G re-sends it.
    await far.send(responseTo(farInvite, 487, 'Request Terminated', 'far3'), server.sip.port);
    await far.next((m) => isRequest('ACK')(m) && sameCall(farInvite)(m), 5_000);
    await caller.peer.close();
  });

  it("the far end's 487 is lost and never re-sent: 64·T1 after the CANCEL the INVITE is given up (watchdog)", async () => {
    const before = await watchdogCount();
    const { caller, farInvite } = await ringing();
    await far.send(responseTo(farInvite, 180, 'Ringing', 'far4', ['Contact: <sip:far@127.0.0.1>']), server.sip.port);
    await caller.next(180, 'INVITE');
    await callerCancels(caller);
    const cancel = await far.next((m) => isRequest('CANCEL')(m) && sameCall(farInvite)(m), 5_000);
    await far.send(responseTo(cancel, 200, 'OK', 'far4'), server.sip.port);
    // No 487 ever: a far end that sends it once (sipp) and lost it.
    assert.ok(await server.stack.drain(LIFETIME_MS + SLACK_MS), `SIP work left: ${JSON.stringify(server.stack.pendingDialogWork)}`);
    assert.equal(await watchdogCount(), before + 1, 'the watchdog counted the INVITE it gave up');
    await caller.peer.close();
  });

  it('the caller loses our first 100, the 200 to its CANCEL and our first 487: each is answered again', async () => {
    const caller = new Caller(await RawPeer.open(), server.sip.port);
    await caller.invite();
    await caller.next(100, 'INVITE'); // lost: the caller re-sends its INVITE
    await caller.invite();
    await caller.next(100, 'INVITE');
    const farInvite = await farNewInvite();
    await far.send(responseTo(farInvite, 180, 'Ringing', 'far5', ['Contact: <sip:far@127.0.0.1>']), server.sip.port);
    await caller.next(180, 'INVITE');
    await caller.cancel();
    await caller.next(200, 'CANCEL'); // lost: the caller re-sends its CANCEL
    await caller.cancel();
    await caller.next(200, 'CANCEL');
    await caller.next(487, 'INVITE'); // lost: Timer G re-sends it
    const terminated = await caller.next(487, 'INVITE');
    await caller.ack(toTagOf(terminated));
    const cancel = await far.next((m) => isRequest('CANCEL')(m) && sameCall(farInvite)(m), 5_000);
    await far.send(responseTo(cancel, 200, 'OK', 'far5'), server.sip.port);
    await far.send(responseTo(farInvite, 487, 'Request Terminated', 'far5'), server.sip.port);
    await far.next((m) => isRequest('ACK')(m) && sameCall(farInvite)(m), 5_000);
    await caller.peer.close();
  });

  async function watchdogCount(): Promise<number> {
    return server.stack.stats.watchdogEnded['no-final-after-cancel'];
  }
});
