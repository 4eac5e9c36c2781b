/**
 * Legs we place through an outbound proxy (RFC 3261 §8.1.2, loose routing §16.12), and the address we advertise:
 * a raw UDP peer plays the proxy. The callee's Request-URI names a host nobody listens on (127.0.0.9), so only a
 * request sent to the proxy is seen at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseOutboundProxy } from '../../src/sip/outbound-proxy.js';
import { SipStack, type SipError } from '../../src/sip/index.js';
import { captureLogger, nextEvent, staticSdp } from './helpers.js';
import { RawPeer, header, isRequest, responseTo } from './raw-peer.js';

const ADVERTISED = { host: '203.0.113.5', port: 5062 };
const CALLEE = 'sip:bob@127.0.0.9:5080';

describe('outbound proxy and advertised address', () => {
  let stack: SipStack;
  let proxy: RawPeer;

  before(async () => {
    proxy = await RawPeer.open();
    stack = await SipStack.start({
      port: 0,
      logger: captureLogger('fatal').logger,
      advertise: ADVERTISED,
      outboundProxy: `sip:127.0.0.1:${proxy.port};lr`,
    });
  });
  after(async () => {
    await stack.stop();
    await proxy.close();
  });

  const inviteWithCallId = (callId: string) => proxy.next((m) => isRequest('INVITE')(m) && header(m, 'Call-ID') === callId);

  it('the INVITE goes to the proxy with the pre-loaded Route, the callee R-URI, our advertised Contact and Via', async () => {
    const call = stack.dial({ to: CALLEE, from: { user: 'quizconnect' }, sdp: staticSdp() });
    const invite = await inviteWithCallId(call.callId);
    assert.equal(invite.split('\r\n')[0], `INVITE ${CALLEE} SIP/2.0`);
    assert.equal(header(invite, 'Route'), `<sip:127.0.0.1:${proxy.port};lr>`);
    assert.equal(header(invite, 'Contact'), `<sip:quizconnect@${ADVERTISED.host}:${ADVERTISED.port}>`);
    assert.match(header(invite, 'Via') ?? '', new RegExp(`^SIP/2\\.0/UDP ${ADVERTISED.host.replace(/\./g, '\\.')}:${ADVERTISED.port};`));
    assert.match(header(invite, 'From') ?? '', new RegExp(`sip:quizconnect@${ADVERTISED.host.replace(/\./g, '\\.')}:${ADVERTISED.port}`));
    assert.equal(stack.advertised.port, ADVERTISED.port);
    assert.notEqual(stack.address.port, ADVERTISED.port);

    // Answered through a record-routing proxy: the ACK and our BYE follow the Record-Route, to the proxy again.
    const answered = nextEvent<[string | undefined]>(call, 'answered');
    const recordRoute = `<sip:127.0.0.1:${proxy.port};lr;ftag=x>`;
    await proxy.send(
      responseTo(invite, 200, 'OK', 'b1', [`Record-Route: ${recordRoute}`, `Contact: <${CALLEE}>`], staticSdp(41000, '2')),
      stack.address.port,
    );
    await answered;
    const ack = await proxy.next((m) => isRequest('ACK')(m) && header(m, 'Call-ID') === call.callId);
    assert.equal(ack.split('\r\n')[0], `ACK ${CALLEE} SIP/2.0`);
    assert.equal(header(ack, 'Route'), recordRoute);
    call.hangup();
    const bye = await proxy.next((m) => isRequest('BYE')(m) && header(m, 'Call-ID') === call.callId);
    assert.equal(bye.split('\r\n')[0], `BYE ${CALLEE} SIP/2.0`);
    assert.equal(header(bye, 'Route'), recordRoute);
    await proxy.send(responseTo(bye, 200, 'OK', 'b1'), stack.address.port);
  });

  it("a CANCEL carries the INVITE's Route and goes to the proxy; the 487 is ACKed there", async () => {
    const call = stack.dial({ to: CALLEE, from: { user: 'quizconnect' }, sdp: staticSdp() });
    const invite = await inviteWithCallId(call.callId);
    await proxy.send(responseTo(invite, 180, 'Ringing', 'c1', [`Contact: <${CALLEE}>`]), stack.address.port);
    await nextEvent(call, 'provisional');
    call.hangup();
    const cancel = await proxy.next((m) => isRequest('CANCEL')(m) && header(m, 'Call-ID') === call.callId);
    assert.equal(cancel.split('\r\n')[0], `CANCEL ${CALLEE} SIP/2.0`);
    assert.equal(header(cancel, 'Route'), `<sip:127.0.0.1:${proxy.port};lr>`);
    await proxy.send(responseTo(cancel, 200, 'OK', 'c1'), stack.address.port);
    await proxy.send(responseTo(invite, 487, 'Request Terminated', 'c1'), stack.address.port);
    const ack = await proxy.next((m) => isRequest('ACK')(m) && header(m, 'Call-ID') === call.callId);
    assert.equal(header(ack, 'Route'), `<sip:127.0.0.1:${proxy.port};lr>`);
  });

  it("a dial's own proxy overrides the stack's; null sends straight to the Request-URI", async () => {
    const other = await RawPeer.open();
    try {
      const via = stack.dial({ to: CALLEE, from: { user: 'a' }, sdp: staticSdp(), outboundProxy: `sip:127.0.0.1:${other.port};lr` });
      const invite = await other.next((m) => isRequest('INVITE')(m) && header(m, 'Call-ID') === via.callId);
      assert.equal(header(invite, 'Route'), `<sip:127.0.0.1:${other.port};lr>`);
      via.hangup();

      const direct = stack.dial({ to: `sip:carol@127.0.0.1:${other.port}`, from: { user: 'a' }, sdp: staticSdp(), outboundProxy: null });
      const straight = await other.next((m) => isRequest('INVITE')(m) && header(m, 'Call-ID') === direct.callId);
      assert.equal(header(straight, 'Route'), undefined);
      direct.hangup();
      await other.send(responseTo(straight, 100, 'Trying', 'x').replace(/;tag=x/, ''), stack.address.port);
    } finally {
      await other.close();
    }
  });

  it('a dial with an unusable proxy fails 400 without sending anything', async () => {
    const call = stack.dial({ to: CALLEE, from: { user: 'a' }, sdp: staticSdp(), outboundProxy: 'sip:127.0.0.1:5070' });
    assert.deepEqual(await nextEvent(call, 'failed'), [400, 'Invalid outbound proxy']);
  });
});

describe('parseOutboundProxy', () => {
  it('takes sip:HOST:PORT;lr (brackets optional), names what is wrong otherwise', () => {
    const ok = parseOutboundProxy('<sip:10.0.0.1:5070;lr;transport=tcp>');
    assert.ok(typeof ok !== 'string');
    assert.deepEqual(ok.destination, { host: '10.0.0.1', port: 5070, transport: 'tcp', explicit: true });
    assert.equal(ok.route, '<sip:10.0.0.1:5070;lr;transport=tcp>');
    assert.match(parseOutboundProxy('sip:10.0.0.1:5070') as string, /strict router.*add ;lr/);
    assert.match(parseOutboundProxy('10.0.0.1:5070;lr') as string, /expected sip:HOST:PORT;lr/);
    assert.match(parseOutboundProxy('sip:bob@10.0.0.1;lr') as string, /names a host, not a user/);
  });

  it('a stack with an unusable default proxy does not start', async () => {
    await assert.rejects(
      SipStack.start({ port: 0, logger: captureLogger('fatal').logger, outboundProxy: 'sip:127.0.0.1:5070' }),
      (err: SipError) => err.code === 'SIP_BAD_URI' && /strict router/.test(err.message),
    );
  });
});
