import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { redisConfig } from '../config/redis.config';
import { RedisConnection } from '../redis/redis.connection';
import { RedisModule } from '../redis/redis.module';
import { InProcessTurnLock } from './adapters/in-process-turn.lock';
import { RedisTurnLock } from './adapters/redis-turn.lock';
import { TurnLock } from './turn-lock.port';

export function createTurnLock(config: ConfigType<typeof redisConfig>, redis: RedisConnection): TurnLock {
  switch (config.mode) {
    case 'none':
      return new InProcessTurnLock();
    case 'redis':
      return new RedisTurnLock(redis, config.turnLockTtlMs);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown turn lock mode ${JSON.stringify(unknown)}`);
    }
  }
}

@Module({
  imports: [RedisModule],
  providers: [{ provide: TurnLock, inject: [redisConfig.KEY, RedisConnection], useFactory: createTurnLock }],
  exports: [TurnLock],
})
export class TurnsModule {}
