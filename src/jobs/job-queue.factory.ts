import type { ConfigType } from '@nestjs/config';
import type { appConfig } from '../config/app.config';
import type { jobsConfig } from '../config/jobs.config';
import type { redisConfig } from '../config/redis.config';
import type { RedisConnection } from '../redis/redis.connection';
import type { webhooksConfig } from '../config/webhooks.config';
import type { TurnLock } from '../turns/turn-lock.port';
import { BullJobQueue } from './adapters/bullmq-job.queue';
import { InProcessJobQueue } from './adapters/in-process-job.queue';
import { InProcessWebhooks } from './adapters/in-process-webhooks';
import type { JobQueue } from './job-queue.port';
import type { JobRunner } from './job-runner';
import type { JobStore } from './job-store.port';
import type { WebhookSender } from './webhooks/webhook-sender';

export interface JobQueueDependencies {
  redis: ConfigType<typeof redisConfig>;
  jobs: ConfigType<typeof jobsConfig>;
  webhooks: ConfigType<typeof webhooksConfig>;
  app: ConfigType<typeof appConfig>;
  store: JobStore;
  turns: TurnLock;
  runner: JobRunner;
  sender: WebhookSender;
  connection: RedisConnection;
}

/** In process without REDIS_URL, state in the JobStore; BullMQ with it, state in Redis. */
export function createJobQueue({ redis, jobs, webhooks, app, store, turns, runner, sender, connection }: JobQueueDependencies): JobQueue {
  const delivery = { maxAttempts: webhooks.maxAttempts, retryDelayMs: webhooks.retryDelayMs };
  switch (redis.mode) {
    case 'none':
      return new InProcessJobQueue(store, turns, runner, new InProcessWebhooks(store, sender, delivery), {
        retentionMs: jobs.retentionMs,
        graceMs: app.shutdownGraceMs,
      });
    case 'redis':
      return new BullJobQueue(runner, sender, connection, { url: redis.url, turnLockTtlMs: redis.turnLockTtlMs, jobs, webhooks: delivery, graceMs: app.shutdownGraceMs });
    default: {
      const unknown: never = redis;
      throw new Error(`Unknown job queue mode ${JSON.stringify(unknown)}`);
    }
  }
}
