import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { redisUnavailable } from '../redis/redis-unavailable.error';

/** Our keys apart from anything else that shares the Redis database. */
const KEY_PREFIX = 'chat:throttle:';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The rate limit counted in Redis (one atomic script per request, from
 * @nest-lab/throttler-storage-redis), so every replica spends one budget.
 * The package lets Redis errors through as they are, which would be a 500;
 * here they become STORE_UNAVAILABLE: 503 with Retry-After.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly counters: ThrottlerStorageRedisService;

  constructor(redis: Redis) {
    this.counters = new ThrottlerStorageRedisService(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.counters.increment(`${KEY_PREFIX}${key}`, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      throw redisUnavailable('The rate limit', error);
    }
  }
}
