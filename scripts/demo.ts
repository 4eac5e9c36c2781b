/**
 * npm run demo quizconnect — the whole quizconnect story on loopback, without a phone: the sipflow server with the
 * app (free ports, a temp callee table with the demo rows 35 → john 12345, anna 54321), one sipp UAS playing both
 * callees, a sipp caller, and RTP sockets owned by this script behind every SDP. john types a wrong PIN first, then
 * the right one; caller and john talk; the caller hangs up. Prints what happens, then each leg's state graph from
 * the registry. Exits by itself (0 when the story went as told).
 */
import type { CallRecord } from '../packages/runtime/src/server/registry-types.js';
import { QuizHarness, audible, transitions } from '../test/support/quizconnect-harness.js';

const app = process.argv[2] ?? 'quizconnect';
if (app !== 'quizconnect') {
  console.error(`demo: no demo for '${app}' (try: npm run demo quizconnect)`);
  process.exit(2);
}

const t0 = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(2).padStart(5)} s] ${line}`);
const legName = (r: CallRecord) => (r.flow === 'quizconnect_caller' ? 'caller' : (/^sip:([^@]+)@/.exec(r.requestUri)?.[1] ?? r.id));

async function main(): Promise<number> {
  const h = await QuizHarness.start();
  const watchdog = setTimeout(() => {
    console.error('demo: took too long, giving up');
    process.exit(1);
  }, 90_000);
  try {
    console.log('quizconnect demo — everything on 127.0.0.1');
    console.log(`  server      sip:127.0.0.1:${h.server.sip.port}, app quizconnect, callees table: 35 → john (PIN 12345), anna (PIN 54321)`);
    console.log(`  callees     one sipp UAS on the outbound domain 127.0.0.1:${h.calleePort} plays john and anna (both answer)`);
    console.log(`  caller      sipp dials sip:35@127.0.0.1:${h.server.sip.port}; RTP goes to sockets owned by this script`);
    console.log('');

    // Live: every state a leg enters, with the transition that took it there.
    const seen = new Map<string, number>();
    h.server.registry.on('update', (r) => {
      const n = seen.get(r.id) ?? 0;
      const steps = r.stateGraph.slice(n);
      seen.set(r.id, r.stateGraph.length);
      let via: string | undefined;
      for (const s of steps) {
        if (s.kind === 'transition') via = s.description;
        else {
          say(`${legName(r).padEnd(6)} ${s.state}${via ? `   (${via})` : ''}`);
          via = undefined;
        }
      }
      if (r.outcome !== 'active' && r.endedAt !== undefined && !seen.has(`${r.id}:end`)) {
        seen.set(`${r.id}:end`, 1);
        say(`${legName(r).padEnd(6)} leg ended: ${r.outcome} (${r.endReason ?? ''})`);
      }
    });

    const callees = await h.startCallees({ behaviours: { john: 'answer', anna: 'answer' } });
    const caller = await h.call({ scenario: 'qc-caller-connect.xml', pauseMs: 3000 });

    await h.peers.caller.waitFor(() => audible(h.peers.caller.packets).length >= 10, 20_000, 'early media');
    say('caller hears the welcome_caller prompt as early media (183 Session Progress)');
    await Promise.all([h.firstRtp('john', 10), h.firstRtp('anna', 10)]);
    say('john and anna answered and hear the welcome_callee prompt');
    const pt = await h.offeredTelephoneEventPt('john');

    say(`john types 9 9 # (a wrong PIN), as RFC 4733 events at PT ${pt}, the PT the server offered`);
    await h.typeRfc4733('john', '99#', pt);
    await h.waitRecord((r) => r.requestUri.startsWith('sip:john@') && transitions(r).includes('pressed hash or star'), 'the wrong PIN');
    say('john hears sorry_pin_wrong and types 1 2 3 4 5');
    await h.typeRfc4733('john', '12345', pt);
    await h.callerIn('CONNECTED');
    say('caller connected (200 OK with the same SDP as the 183); anna was hung up');

    const c0 = h.peers.caller.packets.length;
    const j0 = h.peers.john.packets.length;
    await Promise.all([h.talk('caller', 1), h.talk('john', 2)]);
    await h.peers.john.waitFor(() => h.heard('john', 1, j0).length >= 40, 15_000, 'john hears the caller');
    await h.peers.caller.waitFor(() => h.heard('caller', 2, c0).length >= 40, 15_000, 'the caller hears john');
    say(
      `caller and john talk in one room: john heard ${h.heard('john', 1, j0).length}/50 of the caller's frames, the caller ${h.heard('caller', 2, c0).length}/50 of john's`,
    );

    const [rc, re] = await Promise.all([caller.done, callees.done]);
    await h.idle();
    say(`caller hung up (BYE); sipp caller exit ${rc.code}, sipp callees exit ${re.code}; active calls: ${h.server.registry.activeCount}`);

    console.log('\nState graphs (registry, as the monitoring API shows them):');
    for (const r of h.records().sort((a, b) => a.startedAt - b.startedAt)) {
      console.log(`\n  ${legName(r)} — ${r.flow}, ${r.direction}, ${r.requestUri}, ${r.outcome} (${r.endReason ?? ''})`);
      const line = r.stateGraph.map((s) => (s.kind === 'state' ? s.state : `> ${s.description} >`));
      console.log(`    ${line.join(' ')}`);
    }
    const ok = rc.code === 0 && re.code === 0;
    console.log(ok ? '\ndemo: the story went as told.' : '\ndemo: something went wrong (see the sipp exit codes above).');
    return ok ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await h.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('demo failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
