import { type DynamicModule, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { ChatModule } from './chat/chat.module';
import { type AppConfigOptions, AppConfigModule } from './config/app-config.module';
import { throttleConfig } from './config/throttle.config';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';

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
          inject: [throttleConfig.KEY],
          useFactory: (throttle: ConfigType<typeof throttleConfig>) => ({
            throttlers: [{ ttl: throttle.ttlMs, limit: throttle.limit }],
            // One budget per client IP across all chat routes (the default would count each route apart).
            generateKey: (_context, tracker, throttlerName) => `${throttlerName}:${tracker}`,
          }),
        }),
        ChatModule,
        HealthModule,
      ],
    };
  }
}
