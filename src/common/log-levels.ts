import type { LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogLevel } from '../config/logging.config';

const ORDER: readonly NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];
const THRESHOLD: Record<LogLevel, NestLogLevel> = { fatal: 'fatal', error: 'error', warn: 'warn', info: 'log', debug: 'debug' };

/** Nest's levels that LOG_LEVEL lets through (Nest calls info "log"). */
export function nestLogLevels(level: LogLevel): NestLogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(THRESHOLD[level]) + 1);
}
