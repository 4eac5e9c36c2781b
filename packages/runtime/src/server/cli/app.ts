#!/usr/bin/env node
// npm run app <name>[,<name>...] [-- options] — serve sipflow apps. See docs/writing-flows.md.
// Exit: 0 after a clean stop (SIGINT/SIGTERM); 2 bad options, app or config; 1 anything else at start-up.
import { CommanderError } from 'commander';
import { appCommand, parseAppArgs } from '../cli-options.js';
import { createCliLogger } from '../cli-logger.js';
import { ServerError } from '../errors.js';
import { limitHeapGrowth } from '../heap-growth.js';
import { startServer } from '../server.js';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseAppArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) {
        if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') console.log(appCommand().helpInformation());
        return 0;
      }
      console.error(`app: ${err.message.replace(/^error: /, '')}\n\n${appCommand().helpInformation()}`);
      return 2;
    }
    if (err instanceof ServerError) {
      console.error(`app: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const logger = createCliLogger(parsed.logLevel, parsed.logFormat);
  // The process is ours (not a library embedding the server), so it may set V8 flags for itself.
  const heapGrowingPercent = limitHeapGrowth();
  logger.debug({ heapGrowingPercent }, 'main heap growth limited');
  // Signals are taken from the start: one arriving during start-up stops the server as soon as it serves.
  let signalled: string | undefined;
  let onSignal: ((signal: string) => void) | undefined;
  const take = (signal: string) => {
    signalled ??= signal;
    onSignal?.(signal); // a second signal while draining stops at once
  };
  process.on('SIGINT', () => take('SIGINT'));
  process.on('SIGTERM', () => take('SIGTERM'));

  let server;
  try {
    server = await startServer({ ...parsed.options, logger });
  } catch (err) {
    if (err instanceof ServerError) {
      console.error(`app: ${err.code}: ${err.message}`);
      return 2;
    }
    const e = err as { code?: string; message?: string };
    console.error(`app: cannot start: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`);
    return 1;
  }
  const running = server;
  const stopped = new Promise<number>((resolve) => {
    let signals = 0;
    onSignal = (signal) => {
      signals += 1;
      // SIGTERM (systemd, a deploy) drains: calls in progress may end on their own up to --drain-timeout.
      // SIGINT (Ctrl-C), or a second signal, ends them now.
      const drain = signal === 'SIGTERM' && signals === 1;
      if (drain)
        logger.info(
          { signal, active: running.runtime.activeCount, drainTimeoutMs: parsed.drainTimeoutMs },
          'stopping (draining): new calls get 503, calls in progress may finish',
        );
      else logger.info({ signal, active: running.runtime.activeCount }, 'stopping: new calls get 503, calls in progress are ended');
      (drain ? running.drain(parsed.drainTimeoutMs) : running.stop()).then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    if (signalled) onSignal(signalled);
  });
  const { host, port } = running.sip;
  console.error(
    `sipflow: serving ${running.apps.names().join(', ')} on sip:${host}:${port} (UDP+TCP)` +
      (running.admin ? `; admin http://${running.admin.host}:${running.admin.port}/` : '') +
      running.websocket.map((w) => `; SIP over WebSocket ${w.transport}://${w.host}:${w.port}`).join('') +
      `\n  call it: sipp -sn uac -s <user> ${host}:${port} -m 1   (Ctrl-C stops: calls in progress are ended cleanly; SIGTERM drains them first)` +
      (running.admin && running.websocket.length ? `\n  or from the browser: http://${running.admin.host}:${running.admin.port}/phone` : ''),
  );
  for (const name of running.apps.names()) {
    const v = running.apps.current(name);
    try {
      const text = v?.definition.usage?.({ config: v.config, sip: { host, port } });
      if (text) console.error(text.replace(/^/gm, `  ${name}: `));
    } catch (err) {
      logger.warn({ app: name, err }, 'usage() threw');
    }
  }
  return stopped;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Sockets and timers are closed by then; exit explicitly in case a stray handle (a watcher) lingers.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    console.error('app: fatal', err);
    process.exit(1);
  },
);
