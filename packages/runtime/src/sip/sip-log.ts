import type { Logger } from 'pino';
import { LoggerFactory } from 'sip.js/lib/core/index.js';

/**
 * sip.js logs through its own LoggerFactory; route it into pino, one level down (its "warn"s are routine protocol
 * noise for a server: stray ACKs, retransmissions), so our own warn lines stay meaningful.
 */
export function sipJsLoggerFactory(log: Logger): LoggerFactory {
  const factory = new LoggerFactory();
  factory.builtinEnabled = false;
  factory.connector = (level, category, label, content) => {
    if (level === 'error') log.warn({ category, label }, String(content));
    else if (level === 'warn') log.debug({ category, label }, String(content));
  };
  return factory;
}
