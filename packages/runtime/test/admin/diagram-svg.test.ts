import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from 'xstate';
import { renderDiagramSvg } from '../../src/server/admin/index.js';
import { describeFlow } from '../../src/review/index.js';
import { clean } from '../review/sample-machines.js';

/** y of each state's box, by path. */
function rows(svg: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of svg.matchAll(/<g class="state[^"]*" data-state="([^"]+)"><title>[^<]*<\/title><rect x="[\d.]+" y="([\d.]+)"/g))
    out.set(m[1] ?? '', Number(m[2]));
  return out;
}

test('one node per state, layered top-down from the initial state, final states on the last row', () => {
  const svg = renderDiagramSvg(describeFlow(clean));
  const y = rows(svg);
  assert.deepEqual([...y.keys()].sort(), ['ANSWERED', 'ANSWERED.checking', 'ANSWERED.prompting', 'CONNECTED', 'DONE', 'IDLE']);
  const at = (s: string) => y.get(s) ?? NaN;
  assert.ok(at('IDLE') < at('ANSWERED') && at('ANSWERED') < at('ANSWERED.prompting'));
  assert.ok(at('ANSWERED.prompting') < at('ANSWERED.checking') && at('ANSWERED.checking') < at('CONNECTED'));
  assert.equal(Math.max(...y.values()), at('DONE'));
  // Root transitions are listed, not drawn.
  assert.match(svg, /any state → DONE on sip\.hangup \(caller hung up\)/);
  // The loop back (pin wrong) is drawn, with its name.
  assert.match(svg, />pin wrong</);
});

test('parallel arrows between two states are merged; text is XML-escaped', () => {
  const m = setup({ types: { events: {} as { type: 'a' } | { type: 'b' } } }).createMachine({
    id: 'x',
    initial: 'S',
    states: {
      S: { on: { a: { target: 'T', description: 'a <fast> & "loud"' }, b: { target: 'T', description: 'b' } } },
      T: { type: 'final' },
    },
  });
  const svg = renderDiagramSvg(describeFlow(m));
  assert.equal(svg.match(/<g class="edge /g)?.length, 1);
  assert.match(svg, />a &lt;fast&gt; &amp; &quot;loud&quot; \| b</);
  assert.ok(!svg.includes('<fast>'));
});
