/**
 * The live calls page in a real browser (Debian's chromium, driven by playwright-core; no browser download).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAdminServer } from '../../src/server/admin/index.js';
import { fakeDeps } from './fakes.js';
import { CHROMIUM, HEADLESS_CHROMIUM_ARGS } from '../../../../test/support/chromium.js';

const TIMEOUT = 20_000;

async function withBrowser(fn: (browser: Browser) => Promise<void>): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_CHROMIUM_ARGS], timeout: 60_000 });
  try {
    await fn(browser);
  } finally {
    await browser.close();
  }
}

const card = (page: Page, id: string) => page.locator(`article.call[data-call-id="${id}"]`);

test(
  'web page: a call appears with its diagram, its current state highlighted, follows state changes, moves to ended',
  { skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium' },
  async (t) => {
    const deps = fakeDeps();
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0 }, deps);
    t.after(() => admin.close());
    const base = `http://127.0.0.1:${admin.address.port}`;
    deps.registry.start('old-1');
    deps.registry.move('old-1', 'ANSWERED.prompting', 'answer', 'sip.invite');
    deps.registry.end('old-1', 'cancelled', 'cancel');

    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      page.on('pageerror', (e) => failed.push(`pageerror: ${e.message}`));
      await page.goto(base, { timeout: TIMEOUT });
      await page.locator('#conn.conn-up').waitFor({ timeout: TIMEOUT });

      // An ended call from the snapshot, with its state graph.
      const old = card(page, 'old-1');
      await old.waitFor({ timeout: TIMEOUT });
      assert.equal(await old.getAttribute('data-ended'), '1');
      assert.equal(await page.locator('#ended article.call[data-call-id="old-1"]').count(), 1);

      // A new call appears live, its diagram drawn and its current state highlighted.
      deps.registry.start('live-1');
      const live = card(page, 'live-1');
      await live.locator('g.state.current[data-state="IDLE"]').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator('#active article.call[data-call-id="live-1"]').count(), 1);
      assert.equal(await live.locator('g.state.current').count(), 1);
      assert.ok((await live.locator('g.state').count()) >= 6);

      // It follows state changes: nested state current, its parent marked, the old one only visited.
      deps.registry.move('live-1', 'ANSWERED.prompting', 'answer', 'sip.invite');
      await live.locator('g.state.current[data-state="ANSWERED.prompting"]').waitFor({ timeout: TIMEOUT });
      await live.locator('g.state.ancestor[data-state="ANSWERED"]').waitFor({ timeout: TIMEOUT });
      assert.equal(await live.locator('g.state.current[data-state="IDLE"]').count(), 0);
      assert.equal(await live.locator('g.state.visited[data-state="IDLE"]').count(), 1);
      assert.match((await live.locator('.state-badge').textContent()) ?? '', /ANSWERED\.prompting/);
      deps.registry.move('live-1', 'CONNECTED', 'pin matches', 'dtmf');
      await live.locator('g.state.current[data-state="CONNECTED"]').waitFor({ timeout: TIMEOUT });
      assert.equal(await live.locator('.steps li').count(), 5);
      await page.screenshot({ path: '/tmp/sipflow-admin-live.png', fullPage: true });

      // It ends: moves to the ended list, keeps its final state and graph.
      deps.registry.move('live-1', 'DONE', 'caller hung up', 'sip.hangup');
      deps.registry.end('live-1', 'completed', 'bye');
      await page.locator('#ended article.call[data-call-id="live-1"]').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator('#active article.call').count(), 0);
      assert.equal(await live.getAttribute('data-ended'), '1');
      assert.equal(await live.locator('g.state.current[data-state="DONE"]').count(), 1);
      assert.match((await live.locator('.state-badge').textContent()) ?? '', /DONE · completed/);
      assert.match((await live.locator('.call-age').textContent()) ?? '', /^lasted \d+s$/);
      assert.equal(await page.locator('#active-count').textContent(), '0');
      assert.equal(await page.locator('#ended-count').textContent(), '2');
      await page.screenshot({ path: '/tmp/sipflow-admin-ended.png', fullPage: true });
      assert.deepEqual(failed, []);
    });
  },
);

test(
  'web page behind a token: /?token= logs in, the live stream works with the cookie',
  { skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium' },
  async (t) => {
    const deps = fakeDeps();
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, token: 'web-secret' }, deps);
    t.after(() => admin.close());
    const base = `http://127.0.0.1:${admin.address.port}`;
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      const denied = await page.goto(base, { timeout: TIMEOUT });
      assert.equal(denied?.status(), 401);
      await page.goto(`${base}/?token=web-secret`, { timeout: TIMEOUT });
      assert.equal(new URL(page.url()).search, '');
      await page.locator('#conn.conn-up').waitFor({ timeout: TIMEOUT });
      deps.registry.start('sec-1');
      await card(page, 'sec-1').locator('g.state.current[data-state="IDLE"]').waitFor({ timeout: TIMEOUT });
    });
  },
);
