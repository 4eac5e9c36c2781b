/**
 * Browser tests in a network namespace that has only `lo` (`unshare -n`, then `ip link set lo up`): whatever ICE
 * gathers or tries, no packet can leave 127.0.0.0/8. The test file runs itself again inside the namespace (as root,
 * which CI is) and the outer run asserts the inner one passed. Chromium is Debian's, driven by playwright-core, with
 * a fake microphone playing a WAV file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, HEADLESS_CHROMIUM_ARGS } from './chromium.js';

const INSIDE_ENV = 'SIPFLOW_TEST_NETNS';

/** True in the inner run (inside the namespace). */
export function insideNetns(): boolean {
  return process.env[INSIDE_ENV] === '1';
}

/** Why the browser tests cannot run here (false when they can). */
export function browserTestsSkipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `no ${CHROMIUM} (apt-get install chromium)`;
  if (process.getuid?.() !== 0) return 'needs root for unshare -n (a network namespace with only lo)';
  if (spawnSync('unshare', ['-n', 'true']).status !== 0) return 'unshare -n is not permitted here';
  return false;
}

/** The network interfaces this process sees (inside the namespace: only 'lo'). */
export function interfaceNames(): string[] {
  return Object.keys(networkInterfaces()).sort();
}

/**
 * Run `file` with node's test runner inside a new network namespace with only loopback up. Resolves with its exit
 * code and its whole output (shown by the outer test when it fails).
 */
export function runInNetns(file: string, timeoutMs = 170_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'unshare',
      [
        '-n',
        '--',
        'sh',
        '-c',
        'ip link set lo up && exec "$@"',
        'sh',
        process.execPath,
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        '--test-timeout=150000',
        file,
      ],
      { env: innerEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The outer run's environment, minus what would make node's test runner treat the inner run as its own child. */
function innerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [INSIDE_ENV]: '1', NODE_OPTIONS: '' };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/**
 * Chromium with a fake microphone playing `wav` (looped) and the fake permission prompt accepted; loopback ICE
 * candidates allowed and not hidden behind mDNS names (RFC 8828), since loopback is all the namespace has.
 */
export async function launchChromium(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
    args: [
      ...HEADLESS_CHROMIUM_ARGS,
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
}
