import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LoggingConfig } from '../config/logging.config';

/**
 * Where secrets could appear in a logged object. The request serializer already
 * leaves headers out; these paths catch whatever else a line might carry.
 */
const REDACTED = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'authorization',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
];

/**
 * The process's one pino logger: JSON lines, or (LOG_FORMAT=pretty) the same
 * records formatted for a terminal, written synchronously on the main thread so
 * that nothing is lost on exit and no worker thread is started.
 */
export function createRootLogger({ level, format }: LoggingConfig): Logger {
  const options = { level, redact: { paths: REDACTED, censor: '[redacted]' } };
  if (format === 'json') return pino(options);
  return pino(options, pinoPretty({ colorize: Boolean(process.stdout.isTTY), sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
