import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export interface ThrottleConfig {
  limit: number;
  ttlMs: number;
}

export function parseThrottleConfig(env: EnvReader): ThrottleConfig {
  return {
    limit: env.integer('THROTTLE_LIMIT', 5),
    ttlMs: env.integer('THROTTLE_TTL_MS', 60000),
  };
}

export const throttleConfig = registerAs('throttle', () => parseNamespace(process.env, parseThrottleConfig));
