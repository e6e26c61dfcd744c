import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The Python logging names of the original service, still accepted. */
const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'fatal' };

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggingConfig {
  level: LogLevel;
  /** JSON lines for log collectors; `pretty` for a terminal. */
  format: LogFormat;
}

export function parseLoggingConfig(env: EnvReader): LoggingConfig {
  const production = env.optionalString('NODE_ENV')?.toLowerCase() === 'production';
  return {
    level: env.optionalChoice('LOG_LEVEL', LOG_LEVELS, LEVEL_ALIASES) ?? 'info',
    format: env.optionalChoice('LOG_FORMAT', LOG_FORMATS) ?? (production ? 'json' : 'pretty'),
  };
}

export const loggingConfig = registerAs('logging', () => parseNamespace(process.env, parseLoggingConfig));
