import type { RedisOptions } from 'bullmq';
import { redisClientOptions } from '../../redis/redis-client.options';

/** The key prefix of every queue: `chat:jobs:*` and `chat:webhooks:*`, beside the turn lock's `chat:turn:*`. */
export const BULLMQ_PREFIX = 'chat';

/**
 * The settings of BullMQ's own connections, from REDIS_URL and the service's
 * Redis connection settings (timeouts, reconnect backoff). A queue's commands
 * fail within the command timeout when Redis is down, as every other Redis
 * command does; a worker's connections block for jobs and BullMQ manages their
 * failures itself, so they keep only the connect timeout and reconnect backoff
 * (and maxRetriesPerRequest: null, which BullMQ requires).
 */
export function bullConnection(url: string, role: 'queue' | 'worker'): RedisOptions {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const target: RedisOptions = {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
  const { retryStrategy, ...shared } = redisClientOptions(`jobs-${role}`);
  const reconnect = { retryStrategy: retryStrategy ?? undefined };
  if (role === 'queue') return { ...shared, ...reconnect, ...target };
  return { connectionName: shared.connectionName, connectTimeout: shared.connectTimeout, ...reconnect, ...target, maxRetriesPerRequest: null };
}
