import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ChatModule } from '../chat/chat.module';
import { appConfig } from '../config/app.config';
import { jobsConfig } from '../config/jobs.config';
import { redisConfig } from '../config/redis.config';
import { webhooksConfig } from '../config/webhooks.config';
import { StoreAdapters } from '../persistence/store-adapters';
import { StoresModule } from '../persistence/stores.module';
import { RedisConnection } from '../redis/redis.connection';
import { RedisModule } from '../redis/redis.module';
import { TurnLock } from '../turns/turn-lock.port';
import { TurnsModule } from '../turns/turns.module';
import { createJobQueue } from './job-queue.factory';
import { JobQueue } from './job-queue.port';
import { JobRunner } from './job-runner';
import { JobStore } from './job-store.port';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhookTargetPolicy } from './webhooks/webhook-target.policy';

@Module({
  imports: [ChatModule, TurnsModule, RedisModule, StoresModule],
  controllers: [JobsController],
  providers: [
    JobRunner,
    JobsService,
    WebhookTargetPolicy,
    WebhookSender,
    { provide: JobStore, inject: [StoreAdapters], useFactory: (stores: StoreAdapters) => stores.jobs },
    {
      provide: JobQueue,
      inject: [redisConfig.KEY, jobsConfig.KEY, webhooksConfig.KEY, appConfig.KEY, JobStore, TurnLock, JobRunner, WebhookSender, RedisConnection],
      useFactory: (
        redis: ConfigType<typeof redisConfig>,
        jobs: ConfigType<typeof jobsConfig>,
        webhooks: ConfigType<typeof webhooksConfig>,
        app: ConfigType<typeof appConfig>,
        store: JobStore,
        turns: TurnLock,
        runner: JobRunner,
        sender: WebhookSender,
        connection: RedisConnection,
      ) => createJobQueue({ redis, jobs, webhooks, app, store, turns, runner, sender, connection }),
    },
  ],
  exports: [JobQueue],
})
export class JobsModule {}
