import { fastContact, fastFromTo, fastSipUri } from './grammar-fast-name-addr.js';
import { fastContentType, fastStartLine } from './grammar-fast-start-line.js';
import { fastVia } from './grammar-fast-via.js';

/**
 * sip.js parses every header with its PEG grammar, ~15–90 µs a header, most of a SIP server's CPU. For the start
 * line and the headers of every message (Call-ID, CSeq, Content-Length, Max-Forwards, Via, From, To, Contact,
 * Content-Type), and for a `dial()` target (SIP_URI), a small parser that accepts a strict subset of the grammar gives
 * the same result; anything it does not accept goes to the grammar, so results (including -1 for invalid input) never
 * differ. Used by our own message parser (sip-message-parser.ts) and the outbound call; sip.js's `Grammar.parse` is
 * never replaced.
 */
const WORD = '[A-Za-z0-9\\-.!%*_+`\'~()<>:\\\\"/\\[\\]?{}]+';
const CALL_ID = new RegExp(`^${WORD}(?:@${WORD})?$`);
const DIGITS = /^\d{1,9}$/;
const CSEQ = /^(\d{1,9}) ([A-Z]+)$/;

type Parse = (input: string, startRule: string) => unknown;

/** The fast path alone: the grammar's result for `input` under `startRule`, or undefined when it does not accept it. */
export function fastHeader(input: string, startRule: string): unknown {
  switch (startRule) {
    case 'Call_ID':
      return CALL_ID.test(input) ? input : undefined;
    case 'Content_Length':
    case 'Max_Forwards':
      return DIGITS.test(input) ? Number(input) : undefined;
    case 'CSeq': {
      const m = CSEQ.exec(input);
      return m ? { value: Number(m[1]), method: m[2] } : undefined;
    }
    case 'Via':
      return fastVia(input);
    case 'From':
    case 'To':
      return fastFromTo(input);
    case 'Contact':
      return fastContact(input);
    case 'Request_Response':
      return fastStartLine(input);
    case 'Content_Type':
      return fastContentType(input);
    case 'SIP_URI':
      return fastSipUri(input);
  }
  return undefined;
}

/** The fast path in front of a grammar: what `parseSipMessage` does for each rule, as one function for the tests. */
export function fastParse(grammar: Parse, input: string, startRule: string): unknown {
  return fastHeader(input, startRule) ?? grammar(input, startRule);
}
