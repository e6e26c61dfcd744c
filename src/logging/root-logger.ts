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
 * The process's one pino logger, on the main thread (no worker thread).
 *
 * JSON lines are written asynchronously: a synchronous write to a pipe that a
 * slow log collector has let fill up would stop the event loop, and every
 * request with it, until the collector catches up. pino flushes what is
 * buffered when the process exits. LOG_FORMAT=pretty is for a terminal and
 * writes synchronously, in order with anything else on it.
 */
export function createRootLogger({ level, format }: LoggingConfig): Logger {
  const options = { level, redact: { paths: REDACTED, censor: '[redacted]' } };
  if (format === 'json') return pino(options, pino.destination({ dest: 1, sync: false }));
  return pino(options, pinoPretty({ colorize: Boolean(process.stdout.isTTY), sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
