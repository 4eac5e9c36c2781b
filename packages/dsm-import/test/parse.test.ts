/**
 * The DSM grammar: every construct parses into the tree translate/ expects, and a malformed script gets an error
 * naming its file, line and column, what was expected, and the line with a caret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DsmImportError, parseDsm, parseDsmFile, type DsmCall, type DsmState, type DsmTransition } from '../src/index.js';
import { fixture } from './support.js';

const syntaxError = (text: string, file = 'bad.dsm'): DsmImportError => {
  try {
    parseDsm(text, file);
  } catch (err) {
    assert.ok(err instanceof DsmImportError, String(err));
    return err;
  }
  assert.fail('parsed');
};

describe('DSM grammar', () => {
  it('parses states, transitions (several from states, conditions, not, exception, -->, actions) and functions', () => {
    const s = parseDsm(
      `import(mod_dlg);
-- comment
# comment too
function f() { log(1, "x"); };
initial state A enter { f(); set($x="a;b)c") } exit { stop };
state B;
transition "t 1" (A, B) - { not key; test(#key==1) } / { if test($x==1); hangup { inc(x); } else { clear($x); } } -> B;
transition t2 A - exception; test(#type==file) / reply(500) -> B;
transition "t3" B --> A;
transition "t4" B -/ stop(true) -> A;
`,
      'all.dsm',
    );
    assert.equal(s.name, 'all');
    assert.deepEqual(
      s.items.map((i) => i.kind),
      ['import', 'function', 'state', 'state', 'transition', 'transition', 'transition', 'transition'],
    );
    const a = s.items[2] as DsmState;
    assert.equal(a.initial, true);
    assert.deepEqual(
      a.enter.map((x) => (x as DsmCall).args),
      ['', '$x="a;b)c"'],
      'a string with ; and ) stays in the argument',
    );
    assert.equal((a.exit[0] as DsmCall).name, 'stop');
    const t1 = s.items[4] as DsmTransition;
    assert.deepEqual(t1.from, ['A', 'B']);
    assert.deepEqual(
      t1.conditions.map((c) => [c.not, c.name, c.args]),
      [
        [true, 'key', null],
        [false, 'test', '#key==1'],
      ],
    );
    assert.equal(t1.actions[0]?.kind, 'if');
    const t2 = s.items[5] as DsmTransition;
    assert.equal(t2.exception, true);
    assert.deepEqual(t2.at, { line: 8, column: 1 });
    const t3 = s.items[6] as DsmTransition;
    assert.deepEqual([t3.conditions, t3.actions, t3.exception], [[], [], false], '--> is a transition with no condition');
    assert.equal(((s.items[7] as DsmTransition).actions[0] as DsmCall).args, 'true');
  });

  it('parses the two quizconnect scripts of the DSM tutorial', () => {
    for (const f of ['quizconnect/quizconnect_caller.dsm', 'quizconnect/quizconnect_callee.dsm']) {
      const s = parseDsmFile(fixture(f));
      assert.ok(s.items.filter((i) => i.kind === 'transition').length >= 10, f);
    }
  });

  it('a syntax error names file:line:column, what was expected, and shows the line', () => {
    const e = syntaxError('initial state A;\ntransition "x" A - test($a==1) / { log(1, "y") } B;\n');
    assert.equal(e.code, 'DSM_SYNTAX');
    assert.match(e.message, /^bad\.dsm:2:50: syntax error: Expected "->"/);
    assert.match(e.message, /\n {2}transition "x" A - test\(\$a==1\) \/ \{ log\(1, "y"\) \} B;\n {51}\^/);
  });

  it('other malformed scripts: a missing ;, an unclosed parenthesis, a stray word, an unterminated string', () => {
    assert.match(syntaxError('initial state A\nstate B;').message, /^bad\.dsm:2:1: syntax error/);
    assert.match(syntaxError('initial state A;\nstate B enter { playFile($x; };\n').message, /^bad\.dsm:3:1: syntax error: .*end of input/);
    assert.match(syntaxError('initial state A;\nstat B;\n').message, /^bad\.dsm:2:1: syntax error/);
    // The unterminated string: the error points at its opening quote.
    assert.match(syntaxError('initial state A enter { log(1, "x) };\n', 'q.dsm').message, /^q\.dsm:1:32: syntax error: .*"\\"" found/);
  });

  it('#include puts the included script in place (positions name their own file); a missing one or a loop is DSM_INCLUDE', () => {
    const s = parseDsmFile(fixture('constructs/constructs.dsm'));
    const stamp = s.items.find((i) => i.kind === 'function' && i.name === 'stamp');
    assert.deepEqual(stamp?.at, { line: 2, column: 1, file: 'common.dsm' });
    const dir = mkdtempSync(join(tmpdir(), 'dsm-include-'));
    try {
      writeFileSync(join(dir, 'a.dsm'), 'initial state A;\n#include "nothere"\n');
      assert.throws(
        () => parseDsmFile(join(dir, 'a.dsm')),
        (e: unknown) => e instanceof DsmImportError && e.code === 'DSM_INCLUDE' && /a\.dsm:2:1: #include "nothere": no such file/.test(e.message),
      );
      writeFileSync(join(dir, 'a.dsm'), '#include "b"\n');
      writeFileSync(join(dir, 'b.dsm'), '#include "a.dsm"\n');
      assert.throws(() => parseDsmFile(join(dir, 'a.dsm')), /b\.dsm:1:1: #include "a\.dsm": includes itself/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreadable file is DSM_FILE naming it', () => {
    assert.throws(
      () => parseDsmFile('/nonexistent/x.dsm'),
      (e: unknown) => e instanceof DsmImportError && e.code === 'DSM_FILE' && /\/nonexistent\/x\.dsm/.test(e.message),
    );
  });
});
