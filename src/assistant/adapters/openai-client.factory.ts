import { Logger } from '@nestjs/common';
import OpenAI from 'openai';
import type { LogLevel } from '../../config/logging.config';
import type { OpenAiConnection } from '../../config/openai.config';
import { fetchWithRetryWaitLimit } from './retry-after-limit';

/**
 * The one SDK client of the process. The SDK's own logging goes through Nest's
 * logger; it redacts the Authorization header, and we log upstream errors by
 * status and code only.
 */
export function createOpenAiClient(connection: OpenAiConnection, level: LogLevel): OpenAI {
  const logger = new Logger('OpenAI');
  return new OpenAI({
    apiKey: connection.apiKey,
    baseURL: connection.baseURL,
    timeout: connection.timeoutMs,
    maxRetries: connection.maxRetries,
    fetch: fetchWithRetryWaitLimit(),
    logLevel: level === 'debug' ? 'info' : 'warn',
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.log(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
}
