/**
 * Debian's chromium for the browser tests (driven by playwright-core), and the flags every one of them launches it
 * with: headless, no sandbox (root in CI), and nothing that reaches the network on its own (QUIC, background
 * services, component updates, sync).
 */
export const CHROMIUM = '/usr/bin/chromium';

export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
