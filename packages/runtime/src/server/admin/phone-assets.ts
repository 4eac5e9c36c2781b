/**
 * What the admin page's phone (/phone) needs besides its own files: sip.js for the browser — bundled from the
 * installed package by esbuild on first request (sip.js ships ES modules only) and kept — and where the server's
 * SIP over WebSocket listeners are.
 */
import { fileURLToPath } from 'node:url';

let bundle: Promise<string> | undefined;

/** sip.js (the version the server runs) as one browser ES module. */
export function sipJsBrowserBundle(): Promise<string> {
  bundle ??= (async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [fileURLToPath(import.meta.resolve('sip.js'))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0]!.text;
  })();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}
