/** The caller flow with no network: every caller-side row of docs/quizconnect.md, commands and state graph. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { testFlow as startFlow, type FlowCommand } from '@sipflow/runtime/flow';
import { callerFlow } from '../src/caller.js';
import { dbDown, demoRows, fakeResources, queryFailed, quizConfig } from './fixtures.js';

const config = quizConfig();

// Stop every flow a test started: a pending ring timeout would keep the process alive.
const started: Array<{ stop(): void }> = [];
afterEach(() => started.splice(0).forEach((t) => t.stop()));
const testFlow: typeof startFlow = (flow, options) => {
  const t = startFlow(flow, options);
  started.push(t);
  return t;
};

/** A caller that got rows and whose prompt was queued: now in WAIT_CALLEE with two legs dialled. */
async function waitingCaller(overrides: Parameters<typeof quizConfig>[0] = {}) {
  const t = testFlow(callerFlow, {
    input: {},
    config: quizConfig(overrides),
    resources: fakeResources(demoRows),
    respond: (cmd) => (cmd.type === 'play' ? { type: 'prompt.queued', prompt: cmd.prompt } : undefined),
  });
  await t.waitForState('WAIT_CALLEE');
  const [john, anna] = t.dialled;
  assert.ok(john && anna);
  return { t, john, anna };
}

function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

test('C1/C5: lookup first, then 183 + welcome prompt, then one dial per row; From quizconnect; PIN only in the callee input', async () => {
  const resources = fakeResources(demoRows);
  const t = testFlow(callerFlow, { input: {}, config, resources });
  await t.waitForState('RUN_INVITE.WELCOME');
  assert.deepEqual(resources.asked, ['35']);
  assert.deepEqual(t.take(), [
    { type: 'progress', code: 183, earlyMedia: true },
    { type: 'play', prompt: 'welcome_caller.wav' },
  ]);
  assert.equal(t.dialled.length, 0, 'nothing is dialled before the prompt is known good');
  t.send({ type: 'prompt.queued', prompt: 'welcome_caller.wav' });
  assert.equal(t.state, 'WAIT_CALLEE');
  const [john, anna] = t.dialled;
  assert.equal(t.dialled.length, 2);
  assert.equal(john!.dial.to, 'sip:john@127.0.0.1:5080');
  assert.equal(anna!.dial.to, 'sip:anna@127.0.0.1:5080');
  assert.deepEqual(john!.dial.from, { user: 'quizconnect' });
  assert.equal(john!.dial.credentials, undefined);
  assert.equal(john!.dial.headers, undefined);
  assert.deepEqual(john!.dial.input, { pin: '12345', caller: t.self });
  assert.equal(anna!.dial.input.pin, '54321');
  assert.equal(john!.flow, 'quizconnect_callee');
  // The PIN appears nowhere but the callee flow's input.
  const { input: _input, ...wire } = john!.dial;
  assert.ok(!JSON.stringify({ ...wire, logic: undefined }).includes('12345'));
  assert.deepEqual(t.path, [
    'START',
    '> got INVITE in caller leg >',
    'RUN_INVITE.LOOKUP',
    '> we have results >',
    'RUN_INVITE.WELCOME',
    '> prompt playing >',
    'CREATE_CALLEE_LEGS',
    '> done creating callee legs >',
    'WAIT_CALLEE',
  ]);
});

test('C5: outbound_domain, from_user and callee names from the DB are used as configured (odd names escaped)', async () => {
  const t = testFlow(callerFlow, {
    input: {},
    config: quizConfig({ outbound_domain: 'pbx.example.net:5070', from_user: 'quiz' }),
    resources: fakeResources([{ id: 7, callee: 'john doe@evil', pin: '1' }]),
    respond: (cmd) => (cmd.type === 'play' ? { type: 'prompt.queued', prompt: cmd.prompt } : undefined),
    call: { user: '36' },
  });
  await t.waitForState('WAIT_CALLEE');
  assert.equal(t.dialled[0]!.dial.to, 'sip:john%20doe%40evil@pbx.example.net:5070');
  assert.deepEqual(t.dialled[0]!.dial.from, { user: 'quiz' });
});

test('C2: welcome prompt unreadable → 500, no callee leg, the log names the file', async () => {
  const { log, lines } = memoryLog();
  const t = testFlow(callerFlow, {
    input: {},
    config,
    log,
    resources: fakeResources(demoRows),
    respond: (cmd) =>
      cmd.type === 'play'
        ? { type: 'error', code: 'PROMPT_UNREADABLE', message: `cannot read /x/welcome_caller.wav: ENOENT`, effect: 'play' }
        : undefined,
  });
  await t.waitForState('END');
  assert.deepEqual(t.commands.at(-1), { type: 'reply', code: 500 });
  assert.equal(t.dialled.length, 0);
  assert.ok(t.done);
  assert.ok(t.path.includes('> error opening file >'));
  const entry = lines.find((l) => l['msg'] === 'error opening file');
  assert.ok(entry && String(entry['error']).includes('welcome_caller.wav'), JSON.stringify(lines));
});

test('C3: database unreachable → 500 before any 183, logged as a DB error', async () => {
  const { log, lines } = memoryLog();
  const t = testFlow(callerFlow, { input: {}, config, log, resources: fakeResources(dbDown()) });
  await t.waitForState('END');
  assert.deepEqual(t.commands, [{ type: 'reply', code: 500 }]);
  assert.ok(t.path.includes('> DB error >'));
  assert.equal(lines.find((l) => l['msg'] === 'error connecting to DB')?.['code'], 'LOOKUP_CONNECT');
});

test('C3: the query fails → 500, logged as a failed query', async () => {
  const { log, lines } = memoryLog();
  const t = testFlow(callerFlow, { input: {}, config, log, resources: fakeResources(queryFailed()) });
  await t.waitForState('END');
  assert.deepEqual(t.commands, [{ type: 'reply', code: 500 }]);
  assert.ok(t.path.includes('> query failed >'));
  assert.equal(lines.find((l) => l['msg'] === 'query failed')?.['code'], 'LOOKUP_QUERY');
});

test('C4: no rows → 404 and nothing else (no 183 first, unlike SEMS)', async () => {
  const t = testFlow(callerFlow, { input: {}, config, resources: fakeResources([]), call: { user: '99' } });
  await t.waitForState('END');
  assert.deepEqual(t.commands, [{ type: 'reply', code: 404 }]);
  assert.deepEqual(t.path, ['START', '> got INVITE in caller leg >', 'RUN_INVITE.LOOKUP', '> no results >', 'END']);
});

test('C6: CANCEL before a match → every live callee leg is ended, the flow ends', async () => {
  const { t, john, anna } = await waitingCaller();
  t.take();
  t.send({ type: 'leg.answered', leg: john });
  t.send({ type: 'sip.hangup', reason: 'cancel' });
  assert.ok(t.done);
  assert.deepEqual(t.take(), [
    { type: 'hangupLeg', leg: john },
    { type: 'hangupLeg', leg: anna },
  ]);
  assert.deepEqual(t.path.slice(-5), ['WAIT_CALLEE', '> CANCEL received >', 'CANCEL_CALLEES', '> canceled all >', 'END']);
});

test('C6: CANCEL while the lookup runs → the flow ends without dialling', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const t = testFlow(callerFlow, {
    input: {},
    config,
    resources: { ...fakeResources(demoRows), calleesFor: async () => (await gate, demoRows) },
  });
  assert.equal(t.state, 'RUN_INVITE.LOOKUP');
  t.send({ type: 'sip.hangup', reason: 'cancel' });
  release();
  await new Promise((r) => setImmediate(r));
  assert.ok(t.done);
  assert.equal(t.dialled.length, 0);
  assert.deepEqual(t.commands, []);
});

test('C7: the first callee to match wins: others ended, playlist flushed, 200, one room, the winner told', async () => {
  const { t, john, anna } = await waitingCaller();
  t.take();
  t.send({ type: 'callee.matched', leg: anna });
  assert.equal(t.state, 'CONNECTED');
  assert.deepEqual(t.take(), [
    { type: 'hangupLeg', leg: john },
    { type: 'flush' },
    { type: 'answer' },
    { type: 'join', room: t.self.id },
    { type: 'send', to: anna, event: { type: 'caller.connect', room: t.self.id } },
  ]);
  assert.deepEqual(t.path.slice(-5), ['WAIT_CALLEE', '> callee got it >', 'CANCEL_OTHER_CALLEES', '> canceled all >', 'CONNECTED']);
});

test('C8: BYE from the caller → BYE to the winning callee', async () => {
  const { t, anna } = await waitingCaller();
  t.send({ type: 'callee.matched', leg: anna });
  t.take();
  t.send({ type: 'sip.hangup', reason: 'bye' });
  assert.ok(t.done);
  assert.deepEqual(t.take(), [{ type: 'hangupLeg', leg: anna }]);
  assert.deepEqual(t.path.slice(-3), ['CONNECTED', '> BYE received >', 'END']);
});

test('C8: BYE from the winning callee → BYE to the caller; a loser ending changes nothing', async () => {
  const { t, john, anna } = await waitingCaller();
  t.send({ type: 'callee.matched', leg: anna });
  t.take();
  t.send({ type: 'leg.ended', leg: john, reason: 'cancelled' });
  assert.equal(t.state, 'CONNECTED');
  t.send({ type: 'leg.ended', leg: anna, reason: 'bye' });
  assert.ok(t.done);
  assert.deepEqual(t.take(), [{ type: 'hangup' }]);
  assert.deepEqual(t.path.slice(-3), ['CONNECTED', '> BYE in other leg >', 'END']);
});

test('B1: nobody matches within ring_timeout → callee legs ended, 480', async () => {
  const { t, john, anna } = await waitingCaller({ ring_timeout: 0.05 });
  t.take();
  await t.waitForState('END', 5000);
  assert.deepEqual(t.take(), [
    { type: 'hangupLeg', leg: john },
    { type: 'hangupLeg', leg: anna },
    { type: 'reply', code: 480 },
  ]);
  assert.ok(t.path.includes('> ring timeout >'));
});

test('B2: every callee leg fails → 480 at once (no wait for the ring timeout); failed+ended counted once', async () => {
  const { t, john, anna } = await waitingCaller();
  t.take();
  t.send({ type: 'leg.failed', leg: john, code: 486, reason: 'Busy Here' });
  t.send({ type: 'leg.ended', leg: john, reason: 'failed' });
  assert.equal(t.state, 'WAIT_CALLEE');
  t.send({ type: 'leg.failed', leg: anna, code: 404, reason: 'Not Found' });
  assert.ok(t.done);
  assert.deepEqual(t.take(), [{ type: 'reply', code: 480 }]);
  assert.deepEqual(t.path.slice(-4), ['WAIT_CALLEE', '> callee leg failed >', '> all callees failed >', 'END']);
});

test('B3: a callee hangs up mid-PIN → that leg is forgotten, the other goes on and can still win', async () => {
  const { t, john, anna } = await waitingCaller();
  t.take();
  t.send({ type: 'leg.ended', leg: john, reason: 'bye' });
  assert.equal(t.state, 'WAIT_CALLEE');
  assert.deepEqual(t.take(), []);
  t.send({ type: 'callee.matched', leg: anna });
  assert.equal(t.state, 'CONNECTED');
  assert.ok(!t.take().some((c) => c.type === 'hangupLeg'), 'no leg left to end');
  // A late message from the ended leg cannot win.
  t.send({ type: 'callee.matched', leg: john });
  assert.equal(t.state, 'CONNECTED');
});

test('B4: two callees match at once → exactly one connected, the second ended, never a three-party room', async () => {
  const { t, john, anna } = await waitingCaller();
  t.take();
  t.send({ type: 'callee.matched', leg: john });
  t.send({ type: 'callee.matched', leg: anna });
  assert.equal(t.state, 'CONNECTED');
  const cmds = t.take();
  assert.equal(cmds.filter((c) => c.type === 'answer').length, 1);
  assert.deepEqual(
    cmds.filter((c) => c.type === 'join'),
    [{ type: 'join', room: t.self.id }],
  );
  const sends = cmds.filter((c): c is Extract<FlowCommand, { type: 'send' }> => c.type === 'send');
  assert.deepEqual(
    sends.map((s) => s.to.id),
    [john.id],
    'only the winner is told to join',
  );
  assert.deepEqual(
    cmds.filter((c) => c.type === 'hangupLeg').map((c) => (c as Extract<FlowCommand, { type: 'hangupLeg' }>).leg.id),
    [anna.id, anna.id],
  );
  assert.equal(t.snapshot.context.winner?.id, john.id);
  assert.ok(t.path.includes('> another callee was too late >'));
});

test('B5: configured outbound credentials are passed with every dial', async () => {
  const { t } = await waitingCaller({ outbound_auth_user: 'qc', outbound_auth_password: 's3cret' });
  for (const l of t.dialled) assert.deepEqual(l.dial.credentials, { username: 'qc', password: 's3cret' });
});

test('B6: an unexpected failure while waiting → callee legs ended and the caller answered 500 (BYE once answered)', async () => {
  const { t, john, anna } = await waitingCaller();
  t.take();
  t.send({ type: 'error', code: 'INTERNAL', message: 'boom', effect: 'join' });
  assert.ok(t.done);
  assert.deepEqual(t.take(), [
    { type: 'hangupLeg', leg: john },
    { type: 'hangupLeg', leg: anna },
    { type: 'hangup', code: 500 },
  ]);
  assert.ok(t.path.includes('> unexpected failure >'));
});

test('B6: an SDP we cannot answer at 183 → 488 (the mapped status), no leg', async () => {
  const t = testFlow(callerFlow, {
    input: {},
    config,
    resources: fakeResources(demoRows),
    respond: (cmd) => (cmd.type === 'progress' ? { type: 'error', code: 'NO_COMMON_CODEC', message: 'no codec', effect: 'progress' } : undefined),
  });
  await t.waitForState('END');
  assert.deepEqual(t.commands.at(-1), { type: 'reply', code: 488 });
  assert.equal(t.dialled.length, 0);
});

test('B6: a leg that cannot be placed (DIALOUT_FAILED) does not end the call; its leg.failed is counted', async () => {
  const { t, john, anna } = await waitingCaller();
  t.send({ type: 'error', code: 'DIALOUT_FAILED', message: 'bad uri', effect: 'dial' });
  assert.equal(t.state, 'WAIT_CALLEE');
  t.send({ type: 'leg.failed', leg: john, code: 500, reason: 'dial-out failed' });
  t.send({ type: 'callee.matched', leg: anna });
  assert.equal(t.state, 'CONNECTED');
});
