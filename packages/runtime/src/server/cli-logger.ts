/**
 * The logger of `npm run app`: pino JSON lines for collectors, or pino-pretty's coloured one-liners when a person
 * reads the terminal (the default on a TTY, so a first run is readable and a piped/served one stays machine-readable).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

export function createCliLogger(level: string, format: LogFormat | undefined, stdoutIsTty = process.stdout.isTTY === true): Logger {
  const chosen = format ?? (stdoutIsTty ? 'pretty' : 'json');
  if (chosen === 'json') return pino({ level });
  // sync: a line is on the terminal before the process exits (SIGINT stop, start-up failure).
  const stream = pretty({ colorize: stdoutIsTty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, sync: true });
  return pino({ level }, stream);
}
