/**
 * The messages sipp and our own stack really send parse the same through our parser (parseSipMessage, with the
 * grammar fast path) as through sip.js's untouched `Parser.parseMessage`: whole messages, every header parsed,
 * compared structurally. The messages are captured with the stacks' `lossFilter` option (nothing of sip.js is
 * replaced for the test).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { inspect } from 'node:util';
import { Grammar, Parser } from 'sip.js/lib/core/index.js';
import { SipStack, type InboundCall } from '../../src/sip/index.js';
import { fastHeader } from '../../src/sip/grammar-fast-path.js';
import { parseSipMessage } from '../../src/sip/sip-message-parser.js';
import { startSipp } from '../../../../test/support/sipp.js';
import { captureLogger, confirmedCall, nextEvent, staticSdp } from './helpers.js';

type Message = { headers: Record<string, unknown[]>; parseHeader(name: string, idx?: number): unknown };
const quiet = { debug() {}, log() {}, warn() {}, error() {} };
const grammarParse = Grammar.parse;
const parserParseMessage = Parser.parseMessage;

/** Every message a stack receives, as text. */
const wire: string[] = [];
const capture = (direction: 'in' | 'out', text: string): boolean => {
  if (direction === 'in') wire.push(text);
  return true;
};
let a: SipStack;
let b: SipStack;

before(async () => {
  a = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger, lossFilter: capture });
  b = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger, lossFilter: capture });
});
after(async () => {
  await a.stop();
  await b.stop();
});

/** The message with every header parsed (sip.js parses most lazily), as a plain object: the classes differ by design. */
function parsedFully(msg: Message | undefined): Record<string, unknown> | undefined {
  if (!msg) return undefined;
  for (const [name, values] of Object.entries(msg.headers)) {
    for (let i = 0; i < values.length; i++) msg.parseHeader(name, i);
  }
  return { ...msg };
}

/** Header name as written (long or compact form) → the fast path's rule. */
const RULES: Record<string, string> = {
  via: 'Via',
  v: 'Via',
  from: 'From',
  f: 'From',
  to: 'To',
  t: 'To',
  contact: 'Contact',
  m: 'Contact',
  'call-id': 'Call_ID',
  i: 'Call_ID',
  cseq: 'CSeq',
  'content-type': 'Content_Type',
  c: 'Content_Type',
  'content-length': 'Content_Length',
  l: 'Content_Length',
  'max-forwards': 'Max_Forwards',
};

it('sipp uac and stack-to-stack calls: every message parses the same through parseSipMessage and sip.js', async () => {
  b.onInvite((call: InboundCall) => call.answer(staticSdp()));
  const sipp = await startSipp({ scenario: { builtin: 'uac' }, remote: `127.0.0.1:${b.address.port}`, calls: 2, timeoutSec: 30 });
  const res = await sipp.done;
  assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);

  const { out } = await confirmedCall(a, b);
  const ended = nextEvent(out, 'ended', 30000);
  out.hangup();
  await ended;

  // Two stacks ran in this process: sip.js's parser is still its own.
  assert.equal(Grammar.parse, grammarParse);
  assert.equal(Parser.parseMessage, parserParseMessage);
  // sipp's INVITE/ACK/BYE and our 100/180?/200/BYE, INVITE/ACK and their answers.
  assert.ok(wire.length >= 10, `only ${wire.length} messages seen`);
  for (const data of wire) {
    const ours = parseSipMessage(data);
    const theirs = Parser.parseMessage(data, quiet as never);
    assert.ok(theirs, data);
    assert.ok(ours, data);
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(ours)), Object.getPrototypeOf(theirs), data);
    const withFast = parsedFully(ours as unknown as Message);
    const without = parsedFully(theirs as unknown as Message);
    assert.equal(inspect(withFast, { depth: 12 }), inspect(without, { depth: 12 }), data);
    assert.deepStrictEqual(withFast, without, data);
  }
  // The fast path answers every rule it covers in these messages (none falls back to the grammar).
  const fellBack: string[] = [];
  for (const data of wire) {
    const lines = data.slice(0, data.indexOf('\r\n\r\n')).split('\r\n');
    const startLine = lines.shift() as string;
    if (fastHeader(startLine, 'Request_Response') === undefined) fellBack.push(startLine);
    for (const line of lines) {
      const colon = line.indexOf(':');
      const rule = RULES[line.slice(0, colon).trim().toLowerCase()];
      const value = line.slice(colon + 1).trim();
      if (rule && fastHeader(value, rule) === undefined) fellBack.push(line);
    }
  }
  assert.deepEqual(fellBack, []);
});
