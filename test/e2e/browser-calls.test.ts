/**
 * Calls from a real browser: the admin page's phone (/phone) in Debian's chromium, driven by playwright-core, its
 * microphone a WAV of a 1 kHz tone, WebRTC audio (DTLS-SRTP, G.711) to the server, all inside a network namespace
 * that has only `lo` (the file runs itself again there; test/support/browser-netns.ts).
 *   - example-ivr: the browser hears the welcome prompt (inbound RTP and audio energy from getStats), types the code
 *     on the keypad (RFC 4733), the diagram follows (GREETING → … → GOODBYE), the IVR hangs up; every ICE candidate
 *     pair is on loopback; nothing is left behind;
 *   - the same by SIP INFO, and the tab closed mid-call: the call ends at once, no call or stream left;
 *   - quizconnect: the browser is the caller, bridged to a sipp callee that types its PIN; the callee's RTP decodes
 *     to the browser's 1 kHz tone (Goertzel), silence while the phone is muted; the browser receives the callee's
 *     audio.
 */
// Media engine: both modes — the browser's WebRTC audio is relayed to an engine stream (prompts, RFC 4733, the bridge).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import alawmulaw from 'alawmulaw';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import { startServer, type RunningServer } from '../../packages/runtime/src/server/index.js';
import { sine, tempDir, writeWav } from '../support/audio-wav.js';
import { browserTestsSkipReason, insideNetns, launchChromium, runInNetns } from '../support/browser-netns.js';
import { QuizHarness } from '../support/quizconnect-harness.js';
import { transitionsOf, waitForIdle, waitForRecord } from './flow-support.js';

const TIMEOUT = 20_000;
const TONE_HZ = 1000;

interface PhoneStats {
  packetsReceived: number;
  packetsSent: number;
  audioLevel: number;
  totalAudioEnergy: number;
  pairs: Array<{ state: string; local?: string; remote?: string; nominated: boolean }>;
  candidates: Array<{ type: string; address?: string }>;
}
interface PhoneState {
  ua: string;
  call: string;
  callId?: string;
  error?: string;
  record?: { id: string; state: string; ended: boolean };
}

const phoneState = (page: Page) => page.evaluate(() => (globalThis as unknown as { sipflowPhone: PhoneState }).sipflowPhone) as Promise<PhoneState>;
const phoneStats = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { sipflowPhone: { stats(): Promise<PhoneStats> } }).sipflowPhone.stats()) as Promise<PhoneStats>;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100)); // polling the page's getStats: there is no event for "n packets in"
  }
}

async function openPhone(browser: Browser, base: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.goto(`${base}/phone`, { timeout: TIMEOUT });
  await page.waitForFunction(() => (globalThis as unknown as { sipflowPhone: PhoneState }).sipflowPhone.ua === 'connected', undefined, {
    timeout: TIMEOUT,
  });
  return page;
}

async function dial(page: Page, number: string, waitFor: 'established' | 'ringing' = 'established'): Promise<void> {
  await page.fill('#number', number);
  await page.click('#call');
  if (waitFor === 'ringing') {
    await page.waitForFunction(
      () => ['ringing', 'established'].includes((globalThis as unknown as { sipflowPhone: PhoneState }).sipflowPhone.call),
      undefined,
      {
        timeout: TIMEOUT,
      },
    );
    return;
  }
  await page.waitForFunction(() => (globalThis as unknown as { sipflowPhone: PhoneState }).sipflowPhone.call === 'established', undefined, {
    timeout: TIMEOUT,
  });
}

/** Every address ICE used or offered is loopback. */
function assertLoopbackOnly(stats: PhoneStats): void {
  assert.ok(stats.pairs.length > 0, 'ICE formed candidate pairs');
  for (const p of stats.pairs) {
    for (const a of [p.local, p.remote])
      assert.match(String(a), /^(127\.\d+\.\d+\.\d+|::1)$/, `candidate pair outside loopback: ${JSON.stringify(p)}`);
  }
  for (const c of stats.candidates) assert.match(String(c.address), /^(127\.\d+\.\d+\.\d+|::1)$/, `candidate outside loopback: ${JSON.stringify(c)}`);
}

async function pressKeys(page: Page, keys: string, mode: 'rfc4733' | 'info'): Promise<void> {
  await page.check(`input[name="dtmf"][value="${mode}"]`);
  for (const k of keys) {
    await page.click(`#keypad button[data-key="${k}"]`);
    // The browser's DTMF sender queues tones; the next click appends once this one shows as sent.
    const sent = page.locator('#sent-keys');
    await until(`key ${k} sent`, async () => ((await sent.textContent()) ?? '').length >= keys.indexOf(k) + 1);
  }
}

/** Share of a frame's energy at `hz` (Goertzel power over total power, 8 kHz samples). */
function toneShare(samples: Int16Array, hz: number): number {
  const k = (2 * Math.cos((2 * Math.PI * hz) / 8000)) as number;
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (samples.length * energy);
}

if (!insideNetns()) {
  test('browser calls, run inside a network namespace with only lo', { skip: browserTestsSkipReason() }, async () => {
    const { code, output } = await runInNetns(fileURLToPath(import.meta.url));
    assert.equal(code, 0, `the tests inside the namespace failed:\n${output}`);
    assert.match(output, /(#|ℹ) pass [1-9]/);
    assert.match(output, /(#|ℹ) fail 0/);
  });
} else {
  let browser: Browser;
  before(async () => {
    const wav = writeWav(join(tempDir('sipflow-mic-'), 'mic.wav'), [sine(TONE_HZ, 20_000, 8000, 48_000)], 48_000);
    browser = await launchChromium(wav);
  });
  after(() => browser?.close());

  describe('the browser calls example-ivr', () => {
    let server: RunningServer;
    let base: string;
    before(async () => {
      server = await startServer({
        apps: ['example-ivr'],
        sip: { host: '127.0.0.1', port: 0 },
        websocket: [{ host: '127.0.0.1', port: 0 }],
        admin: { host: '127.0.0.1', port: 0 },
        rtpPorts: [26000, 26999],
        logger: pino({ level: process.env.SIPFLOW_TEST_LOG ?? 'silent' }),
      });
      base = `http://127.0.0.1:${server.admin!.port}`;
    });
    after(() => server?.stop());

    it('hears the welcome prompt, types the code (RFC 4733), the diagram follows, the IVR hangs up; ICE on loopback only', async () => {
      const page = await openPhone(browser, base);
      try {
        await dial(page, '35');
        await page.locator('#diagram g.state.current[data-state="GREETING"]').waitFor({ timeout: TIMEOUT });
        const heard = await until('the welcome prompt in the browser', async () => {
          const s = await phoneStats(page);
          return s.packetsReceived >= 25 && s.totalAudioEnergy > 0 && s;
        });
        assertLoopbackOnly(heard);
        const record = await waitForRecord(server, (r) => r.sipCallId !== undefined && r.state === 'GREETING');
        assert.equal(record.transport, 'ws');
        await pressKeys(page, '1234', 'rfc4733');
        const done = await waitForRecord(server, (r) => r.id === record.id && r.endedAt !== undefined);
        assert.ok(transitionsOf(done).includes('code right'), `transitions: ${transitionsOf(done).join(', ')}`);
        await page.locator('#diagram g.state.visited[data-state="GOODBYE"]').waitFor({ timeout: TIMEOUT });
        await page.waitForFunction(() => (globalThis as unknown as { sipflowPhone: PhoneState }).sipflowPhone.call === 'ended', undefined, {
          timeout: TIMEOUT,
        });
        const ended = await waitForRecord(server, (r) => r.id === record.id && r.endedAt !== undefined);
        assert.equal(ended.outcome, 'completed');
        assertLoopbackOnly(heard);
        await waitForIdle(server);
        assert.equal(server.media.streamCount, 0);
      } finally {
        await page.close();
      }
    });

    it('the code by SIP INFO; then the tab closed mid-call ends the call at once and leaves nothing behind', async () => {
      const page = await openPhone(browser, base);
      await dial(page, '36');
      const callId = (await phoneState(page)).callId;
      await pressKeys(page, '12', 'info');
      const record = await waitForRecord(server, (r) => r.sipCallId === callId && r.state === 'COLLECT');
      await page.close();
      const ended = await waitForRecord(server, (r) => r.id === record.id && r.endedAt !== undefined, 5_000);
      assert.ok(['bye', 'connection-lost'].includes(ended.endReason ?? ''), `ended by ${ended.endReason}`);
      await waitForIdle(server);
      assert.equal(server.media.streamCount, 0);
    });
  });

  describe('the browser is quizconnect’s caller', () => {
    let qc: QuizHarness;
    let base: string;
    before(async () => {
      qc = await QuizHarness.start({
        websocket: [{ host: '127.0.0.1', port: 0 }],
        admin: { host: '127.0.0.1', port: 0 },
        rtpPorts: [27000, 27999],
      });
      base = `http://127.0.0.1:${qc.server.admin!.port}`;
    });
    after(() => qc?.stop());

    it('bridged to a sipp callee that types its PIN: the callee hears the browser’s tone (not while muted), the browser hears the callee', async () => {
      await qc.startCallees({ behaviours: { john: 'answer' }, calls: 1 });
      const page = await openPhone(browser, base);
      try {
        await dial(page, '35', 'ringing');
        await qc.calleeIn('john', 'ENTER_PIN');
        const pt = await qc.offeredTelephoneEventPt('john');
        await qc.typeRfc4733('john', '12345', pt);
        await qc.callerIn('CONNECTED');
        await page.waitForFunction(() => (globalThis as unknown as { sipflowPhone: PhoneState }).sipflowPhone.call === 'established', undefined, {
          timeout: TIMEOUT,
        });
        await page.locator('#diagram g.state.current[data-state="CONNECTED"]').waitFor({ timeout: TIMEOUT });

        // The callee hears the browser's microphone: µ-law frames whose energy is at 1 kHz.
        const john = qc.peers.john;
        const toneFrames = (from: number) =>
          john.packets
            .slice(from)
            .filter((p) => p.pt === 0)
            .map((p) => toneShare(alawmulaw.mulaw.decode(p.payload), TONE_HZ));
        const mark = john.packets.length;
        await john.waitFor(() => toneFrames(mark).filter((s) => s > 0.8).length >= 25, TIMEOUT, 'john to hear the 1 kHz tone');

        // Muted: the frames john gets carry no tone any more.
        await page.click('#mute');
        const muted = john.packets.length;
        await john.waitFor(() => toneFrames(muted + 10).length >= 25, TIMEOUT, 'frames after mute');
        const loud = toneFrames(muted + 10).filter((s) => s > 0.8).length;
        assert.ok(loud <= 2, `${loud} frames with the tone after mute`);
        await page.click('#mute');

        // The browser hears john.
        const before = (await phoneStats(page)).totalAudioEnergy;
        await qc.talk('john', 2);
        await until('the callee’s audio in the browser', async () => (await phoneStats(page)).totalAudioEnergy > before);
        assertLoopbackOnly(await phoneStats(page));

        await page.click('#hangup');
        await qc.idle();
        assert.equal(qc.server.media.streamCount, 0);
      } finally {
        await page.close();
      }
    });
  });
}
