import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

/** How long a turn lease lives without renewal: what a crashed replica's death costs its users at most. */
export const DEFAULT_TURN_LOCK_TTL_MS = 30000;

/**
 * `none`: one process, everything shared lives in memory. `redis`: the rate
 * limit and the turn lock live in Redis, shared by every replica.
 */
export type RedisConfig =
  | { mode: 'none'; turnLockTtlMs: number }
  | {
      mode: 'redis';
      /** May carry a password: never log it, log `target` instead. */
      url: string;
      /** The URL without credentials, for log lines and messages. */
      target: string;
      turnLockTtlMs: number;
    };

export function parseRedisConfig(env: EnvReader): RedisConfig {
  // Below a second, renewing every third of it would race ordinary network hiccups.
  const turnLockTtlMs = env.integer('TURN_LOCK_TTL_MS', DEFAULT_TURN_LOCK_TTL_MS, { min: 1000, max: 3_600_000 });
  const url = env.optionalString('REDIS_URL');
  if (url === undefined) return { mode: 'none', turnLockTtlMs };
  const target = redactedTarget(url);
  if (target === undefined) {
    env.problem('REDIS_URL', 'must be a redis:// or rediss:// URL with a host, such as redis://:PASSWORD@redis.internal:6379/0');
  }
  return { mode: 'redis', url, target: target ?? 'redis', turnLockTtlMs };
}

/** `redis://host:port/db` without user or password, or undefined when `url` is not a usable Redis URL. */
function redactedTarget(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return undefined;
  if (parsed.hostname === '' || parsed.search !== '' || parsed.hash !== '') return undefined;
  // The path is the database number, as ioredis reads it.
  if (!/^(\/(\d{1,5})?)?$/.test(parsed.pathname)) return undefined;
  const port = parsed.port === '' ? '6379' : parsed.port;
  return `${parsed.protocol}//${parsed.hostname}:${port}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
}

export const redisConfig = registerAs('redis', () => parseNamespace(process.env, parseRedisConfig));
