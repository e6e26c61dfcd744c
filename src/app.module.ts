import { type DynamicModule, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import { AuthModule } from './auth/auth.module';
import { rateLimitTracker } from './auth/rate-limit-tracker';
import { ChatModule } from './chat/chat.module';
import { type AppConfigOptions, AppConfigModule } from './config/app-config.module';
import { redisConfig } from './config/redis.config';
import { throttleConfig } from './config/throttle.config';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisConnection } from './redis/redis.connection';
import { RedisModule } from './redis/redis.module';
import { RedisThrottlerStorage } from './throttle/redis-throttler.storage';

@Module({})
export class AppModule {
  /** Built on demand, so that the environment is read when the app is created, not when this file is imported. */
  static forRoot(options: AppConfigOptions = { readEnvFile: true }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(options),
        LoggingModule,
        MetricsModule,
        ThrottlerModule.forRootAsync({
          imports: [RedisModule],
          inject: [throttleConfig.KEY, redisConfig.KEY, RedisConnection],
          useFactory: (throttle: ConfigType<typeof throttleConfig>, redis: ConfigType<typeof redisConfig>, connection: RedisConnection) => ({
            throttlers: [{ ttl: throttle.ttlMs, limit: throttle.limit }],
            // Per client IP without authentication, per user with it (the auth guard runs first and leaves the caller).
            getTracker: (req) => rateLimitTracker(req as Request),
            // Without Redis, the throttler's own in-memory storage: one process, one budget.
            storage: redis.mode === 'redis' ? new RedisThrottlerStorage(connection.commands) : undefined,
            // One budget per tracker across all chat routes (the default would count each route apart).
            generateKey: (_context, tracker, throttlerName) => `${throttlerName}:${tracker}`,
          }),
        }),
        AuthModule,
        ChatModule,
        JobsModule,
        HealthModule,
      ],
    };
  }
}
