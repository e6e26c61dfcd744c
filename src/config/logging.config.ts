import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The Python logging names of the original service, still accepted. */
const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'fatal' };

export interface LoggingConfig {
  level: LogLevel;
}

export function parseLoggingConfig(env: EnvReader): LoggingConfig {
  return { level: env.optionalChoice('LOG_LEVEL', LOG_LEVELS, LEVEL_ALIASES) ?? 'info' };
}

export const loggingConfig = registerAs('logging', () => parseNamespace(process.env, parseLoggingConfig));
