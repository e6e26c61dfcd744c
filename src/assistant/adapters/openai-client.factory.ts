import { Logger } from '@nestjs/common';
import OpenAI from 'openai';
import type { LogLevel } from '../../config/logging.config';
import type { OpenAiConnection } from '../../config/openai.config';
import { fetchWithRetryWaitLimit } from './retry-after';
import { UpstreamAttempts } from './upstream-attempts';

/** How much longer than the watchdog the SDK's own per-attempt timer runs: a backstop, never the one that fires first. */
const SDK_TIMEOUT_MARGIN_MS = 1000;

export interface OpenAiClient {
  client: OpenAI;
  /** The watchdogs of this client's calls. */
  attempts: UpstreamAttempts;
}

/**
 * The one SDK client of the process. The SDK's own logging goes through Nest's
 * logger; it redacts the Authorization header, and we log upstream errors by
 * status and code only.
 */
export function createOpenAiClient(connection: OpenAiConnection, level: LogLevel): OpenAiClient {
  const logger = new Logger('OpenAI');
  const attempts = new UpstreamAttempts(connection.timeoutMs);
  const client = new OpenAI({
    apiKey: connection.apiKey,
    baseURL: connection.baseURL,
    timeout: connection.timeoutMs + SDK_TIMEOUT_MARGIN_MS,
    maxRetries: connection.maxRetries,
    fetch: attempts.wrap(fetchWithRetryWaitLimit()),
    logLevel: level === 'debug' ? 'info' : 'warn',
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.log(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
  return { client, attempts };
}
