import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ChatModule } from '../chat/chat.module';
import { appConfig } from '../config/app.config';
import { jobsConfig } from '../config/jobs.config';
import { redisConfig } from '../config/redis.config';
import { storesConfig } from '../config/stores.config';
import { webhooksConfig } from '../config/webhooks.config';
import { RedisConnection } from '../redis/redis.connection';
import { RedisModule } from '../redis/redis.module';
import { TurnLock } from '../turns/turn-lock.port';
import { TurnsModule } from '../turns/turns.module';
import { JsonFileJobStore } from './adapters/json-file-job.store';
import { createJobQueue } from './job-queue.factory';
import { JobQueue } from './job-queue.port';
import { JobRunner } from './job-runner';
import { JobStore } from './job-store.port';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhookTargetPolicy } from './webhooks/webhook-target.policy';

@Module({
  imports: [ChatModule, TurnsModule, RedisModule],
  controllers: [JobsController],
  providers: [
    JobRunner,
    JobsService,
    WebhookTargetPolicy,
    WebhookSender,
    {
      provide: JobStore,
      inject: [storesConfig.KEY],
      // Until the jobs table exists, a database configuration keeps jobs in the default JOB_STORE_PATH file.
      useFactory: (stores: ConfigType<typeof storesConfig>) => new JsonFileJobStore(stores.kind === 'json' ? stores.jobStorePath : resolve('jobs.json')),
    },
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
