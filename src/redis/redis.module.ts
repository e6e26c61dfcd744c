import { Module } from '@nestjs/common';
import { RedisConnection } from './redis.connection';

/** Imported by every feature that may use Redis; Nest makes one RedisConnection per application. */
@Module({
  providers: [RedisConnection],
  exports: [RedisConnection],
})
export class RedisModule {}
