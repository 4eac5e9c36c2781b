import { Grammar } from 'sip.js/lib/core/index.js';
import { fastContact, fastFromTo } from './grammar-fast-name-addr.js';
import { fastContentType, fastStartLine } from './grammar-fast-start-line.js';
import { fastVia } from './grammar-fast-via.js';

/**
 * sip.js parses every header with its PEG grammar, ~15–90 µs a header, most of a SIP server's CPU. For the start
 * line and the headers of every message (Call-ID, CSeq, Content-Length, Max-Forwards, Via, From, To, Contact,
 * Content-Type) a small parser that accepts a strict subset of the grammar gives the same result; anything it does
 * not accept still goes to the grammar, so results (including -1 for invalid input) never differ. Installed by
 * wrapping `Grammar.parse` (looked up at call time by sip.js), once per process.
 */
const WORD = '[A-Za-z0-9\\-.!%*_+`\'~()<>:\\\\"/\\[\\]?{}]+';
const CALL_ID = new RegExp(`^${WORD}(?:@${WORD})?$`);
const DIGITS = /^\d{1,9}$/;
const CSEQ = /^(\d{1,9}) ([A-Z]+)$/;

type Parse = (input: string, startRule: string) => unknown;

export function fastParse(original: Parse, input: string, startRule: string): unknown {
  switch (startRule) {
    case 'Call_ID':
      if (CALL_ID.test(input)) return input;
      break;
    case 'Content_Length':
    case 'Max_Forwards':
      if (DIGITS.test(input)) return Number(input);
      break;
    case 'CSeq': {
      const m = CSEQ.exec(input);
      if (m) return { value: Number(m[1]), method: m[2] };
      break;
    }
    case 'Via':
      return fastVia(input) ?? original(input, startRule);
    case 'From':
    case 'To':
      return fastFromTo(input) ?? original(input, startRule);
    case 'Contact':
      return fastContact(input) ?? original(input, startRule);
    case 'Request_Response':
      return fastStartLine(input) ?? original(input, startRule);
    case 'Content_Type':
      return fastContentType(input) ?? original(input, startRule);
  }
  return original(input, startRule);
}

let installed = false;

export function installGrammarFastPath(): void {
  if (installed) return;
  installed = true;
  const original: Parse = Grammar.parse.bind(Grammar);
  (Grammar as { parse: Parse }).parse = (input, startRule) => fastParse(original, input, startRule);
}
