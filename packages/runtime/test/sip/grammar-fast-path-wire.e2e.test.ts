/**
 * The messages sipp and our own stack really send parse the same with and without the grammar fast path
 * (whole messages through Parser.parseMessage, every header parsed, compared structurally).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { inspect } from 'node:util';
import { Grammar, Parser } from 'sip.js/lib/core/index.js';
import { SipStack, type InboundCall } from '../../src/sip/index.js';
import { fastParse } from '../../src/sip/grammar-fast-path.js';
import { startSipp } from '../../../../test/support/sipp.js';
import { captureLogger, confirmedCall, nextEvent, referenceGrammar, staticSdp } from './helpers.js';

type Parse = (input: string, rule: string) => unknown;
type Message = { headers: Record<string, unknown[]>; parseHeader(name: string, idx?: number): unknown };
const holder = Grammar as { parse: Parse };
const grammar: Parse = referenceGrammar;
const quiet = { debug() {}, log() {}, warn() {}, error() {} };

/** Every message a stack receives, as text (Parser.parseMessage is looked up at call time). */
const wire: string[] = [];
const parseMessage = Parser.parseMessage;
let a: SipStack;
let b: SipStack;

before(async () => {
  (Parser as { parseMessage: typeof parseMessage }).parseMessage = (data, logger) => {
    wire.push(data);
    return parseMessage(data, logger);
  };
  a = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger });
  b = await SipStack.start({ port: 0, logger: captureLogger('fatal').logger });
});
after(async () => {
  (Parser as { parseMessage: typeof parseMessage }).parseMessage = parseMessage;
  await a.stop();
  await b.stop();
});

function parseAll(data: string, parse: Parse): unknown {
  const installed = holder.parse;
  holder.parse = parse;
  try {
    const msg = parseMessage(data, quiet as never) as Message | undefined;
    for (const [name, values] of Object.entries(msg?.headers ?? {})) {
      for (let i = 0; i < values.length; i++) msg?.parseHeader(name, i);
    }
    return msg;
  } finally {
    holder.parse = installed;
  }
}

it('sipp uac and stack-to-stack calls: every message parses the same with and without the fast path', async () => {
  b.onInvite((call: InboundCall) => call.answer(staticSdp()));
  const sipp = await startSipp({ scenario: { builtin: 'uac' }, remote: `127.0.0.1:${b.address.port}`, calls: 2, timeoutSec: 30 });
  const res = await sipp.done;
  assert.equal(res.code, 0, `sipp failed: ${res.errors.slice(0, 1500)}`);

  const { out } = await confirmedCall(a, b);
  const ended = nextEvent(out, 'ended', 30000);
  out.hangup();
  await ended;

  // sipp's INVITE/ACK/BYE and our 100/180?/200/BYE, INVITE/ACK and their answers.
  assert.ok(wire.length >= 10, `only ${wire.length} messages seen`);
  for (const data of wire) {
    const fast = (input: string, rule: string): unknown => fastParse(grammar, input, rule);
    const withFast = parseAll(data, fast);
    const without = parseAll(data, grammar);
    assert.ok(without, data);
    assert.equal(inspect(withFast, { depth: 12 }), inspect(without, { depth: 12 }), data);
    assert.deepStrictEqual(withFast, without, data);
  }
  // The fast path answered every rule it covers in these messages (none fell back to the grammar).
  const covered = ['Request_Response', 'Via', 'From', 'To', 'Contact', 'Call_ID', 'CSeq', 'Content_Type', 'Content_Length', 'Max_Forwards'];
  const fellBack: string[] = [];
  const recording: Parse = (input, rule) => {
    if (covered.includes(rule)) fellBack.push(`${rule}: ${input}`);
    return grammar(input, rule);
  };
  for (const data of wire) parseAll(data, (input, rule) => fastParse(recording, input, rule));
  assert.deepEqual(fellBack, []);
});
