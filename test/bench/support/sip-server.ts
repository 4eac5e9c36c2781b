/**
 * Child process of the 'sip' bench: a SipStack whose handler answers every INVITE with a static SDP (the caller,
 * sipp -sn uac, sends the BYE). Tells the parent its port over IPC, answers 'stats' requests.
 */
import { pino } from 'pino';
import { SipStack } from '../../../packages/runtime/src/sip/index.js';

const sdp = [
  'v=0',
  'o=sipflow 1 1 IN IP4 127.0.0.1',
  's=sipflow',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

const logger = pino({ level: 'warn' }, pino.destination(2));
const stack = await SipStack.start({ host: '127.0.0.1', port: 0, logger });
let answered = 0;
stack.onInvite((call) => {
  answered++;
  call.answer(sdp);
});

process.on('message', (msg: unknown) => {
  if (msg === 'stats') process.send?.({ type: 'stats', stats: stack.stats, answered, active: stack.activeCalls });
  if (msg === 'stop') void stack.stop().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', port: stack.address.port });
