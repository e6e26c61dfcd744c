import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, Queue, Worker } from 'bullmq';
import type { JobsConfig } from '../../config/jobs.config';
import { redisUnavailable } from '../../redis/redis-unavailable.error';
import type { RedisConnection } from '../../redis/redis.connection';
import { type JobRequest, type JobView, newJobId } from '../job';
import { JobQueue } from '../job-queue.port';
import type { JobRunner } from '../job-runner';
import { type DeliverySettings, retryDelay } from '../webhooks/delivery-schedule';
import type { WebhookSender } from '../webhooks/webhook-sender';
import { ChatJobProcessor } from './bullmq-chat.processor';
import { bullConnection, BULLMQ_PREFIX } from './bullmq-connection';
import { type BullJobData, CHAT_JOBS_QUEUE, type ChatJob, viewOfBullJob, WEBHOOKS_QUEUE, type WebhookJobData } from './bullmq-job.data';
import { JobLineGate } from './bullmq-line.gate';
import { UserJobLines } from './bullmq-user-lines';
import { WebhookProcessor } from './bullmq-webhook.processor';

/** The stalled check never runs less often than this, whatever TURN_LOCK_TTL_MS is. */
const MAX_STALLED_INTERVAL_MS = 5000;
/** Deliveries one replica makes at once. */
const WEBHOOK_CONCURRENCY = 10;
/** After the grace period and the stop, the workers get this long to let go of their jobs before they are closed by force. */
const STOP_TIMEOUT_MS = 5000;
/** BullMQ reports a Redis outage on every reconnect attempt; one line per source this often is enough. */
const WARN_INTERVAL_MS = 60_000;

export interface BullQueueSettings {
  url: string;
  turnLockTtlMs: number;
  jobs: JobsConfig;
  webhooks: DeliverySettings;
  /** How long a shutdown lets running jobs finish before it stops them. */
  graceMs: number;
}

/**
 * The queue shared by every replica (REDIS_URL): jobs and their state in
 * Redis, kept JOB_RETENTION_MS after they finish, and a worker in every
 * replica. A worker's lock on a job lives TURN_LOCK_TTL_MS unless renewed, as
 * a turn lease does, and the stalled check runs every few seconds: a job whose
 * worker was killed runs again (or ends failed) at most TURN_LOCK_TTL_MS plus
 * one check interval after the kill.
 */
export class BullJobQueue extends JobQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly queue: Queue<BullJobData>;
  private readonly webhookQueue: Queue<WebhookJobData>;
  private readonly chat: ChatJobProcessor;
  private readonly deliver: WebhookProcessor;
  private readonly workers: Worker[] = [];
  private readonly lines: UserJobLines;
  private readonly lastWarned = new Map<string, number>();

  constructor(
    runner: JobRunner,
    sender: WebhookSender,
    redis: RedisConnection,
    private readonly settings: BullQueueSettings,
  ) {
    super();
    const connection = bullConnection(settings.url, 'queue');
    this.queue = new Queue<BullJobData>(CHAT_JOBS_QUEUE, { connection, prefix: BULLMQ_PREFIX });
    this.webhookQueue = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection, prefix: BULLMQ_PREFIX });
    for (const queue of [this.queue, this.webhookQueue]) queue.on('error', (error) => this.warn(`queue ${queue.name}`, error));
    const removeAfterSeconds = Math.ceil(settings.jobs.retentionMs / 1000);
    this.lines = new UserJobLines(redis.commands);
    this.chat = new ChatJobProcessor(runner, new JobLineGate(this.lines, this.queue), this.webhookQueue, {
      maxAttempts: settings.jobs.maxAttempts,
      webhookJob: { attempts: settings.webhooks.maxAttempts, removeAfterSeconds },
    });
    this.deliver = new WebhookProcessor(this.queue, sender, settings.webhooks);
  }

  async submit(request: JobRequest): Promise<JobView> {
    const id = newJobId();
    const data: BullJobData = { ...request, createdAt: Date.now(), phase: 'pending' };
    const { jobs } = this.settings;
    const removeAfter = { age: Math.ceil(jobs.retentionMs / 1000) };
    try {
      // In line first: a worker that takes the job must find it there.
      await this.lines.join(request.user, id);
    } catch (error) {
      throw redisUnavailable('The job queue', error);
    }
    try {
      await this.queue.add('turn', data, { jobId: id, attempts: jobs.maxAttempts, backoff: { type: 'doubling' }, removeOnComplete: removeAfter, removeOnFail: removeAfter });
    } catch (error) {
      void this.lines.leave(request.user, id).catch(() => undefined);
      throw redisUnavailable('The job queue', error);
    }
    return { id, user: request.user, status: 'queued' };
  }

  async find(id: string): Promise<JobView | undefined> {
    try {
      const job = (await this.queue.getJob(id)) as ChatJob | undefined;
      return job === undefined ? undefined : await viewOfBullJob(job);
    } catch (error) {
      throw redisUnavailable('The job queue', error);
    }
  }

  /** Readiness reports Redis itself (`checks.redis`, bounded to a second); nothing of the queue's own to add. */
  checkHealth(): Promise<void> {
    return Promise.resolve();
  }

  /** Workers start once every store is open, so that no job runs against a store that is not ready. */
  onApplicationBootstrap(): void {
    const { url, turnLockTtlMs, jobs, webhooks } = this.settings;
    const connection = bullConnection(url, 'worker');
    const chatWorker = new Worker<BullJobData>(CHAT_JOBS_QUEUE, (job: ChatJob, token?: string) => this.chat.process(job, token), {
      connection,
      prefix: BULLMQ_PREFIX,
      autorun: false,
      concurrency: jobs.concurrency,
      lockDuration: turnLockTtlMs,
      stalledInterval: Math.min(turnLockTtlMs, MAX_STALLED_INTERVAL_MS),
      // Our own limit (MAX_RERUNS_AFTER_STOPS) applies in the processor, which then records why the job failed.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelay(attemptsMade, { maxAttempts: jobs.maxAttempts, retryDelayMs: jobs.retryDelayMs }) },
    });
    const webhookWorker = new Worker<WebhookJobData>(WEBHOOKS_QUEUE, (job: Job<WebhookJobData>) => this.deliver.process(job), {
      connection,
      prefix: BULLMQ_PREFIX,
      autorun: false,
      concurrency: WEBHOOK_CONCURRENCY,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelay(attemptsMade, webhooks) },
    });
    for (const worker of [chatWorker, webhookWorker]) {
      worker.on('error', (error) => this.warn(`worker ${worker.name}`, error));
      this.workers.push(worker);
      void worker.run().catch((error: unknown) => this.logger.error(`worker ${worker.name} stopped: ${(error as Error).message}`));
    }
  }

  /**
   * Workers take no new job; running ones get the grace period to finish, then
   * are stopped like a live turn whose client leaves: one that had not asked
   * the model goes back to the queue for another replica, one the model was
   * answering ends failed (see JobRunner).
   */
  async onModuleDestroy(): Promise<void> {
    const closing = Promise.all(this.workers.map((worker) => worker.close()));
    if (!(await settlesWithin(closing, this.settings.graceMs))) {
      this.logger.warn(`stopping the jobs still running after ${this.settings.graceMs} ms`);
      this.chat.stopAll();
      if (!(await settlesWithin(closing, STOP_TIMEOUT_MS))) await Promise.all(this.workers.map((worker) => worker.close(true).catch(() => undefined)));
    }
    await Promise.all([this.queue.close(), this.webhookQueue.close()]).catch(() => undefined);
  }

  private warn(source: string, error: Error): void {
    const now = Date.now();
    if (now - (this.lastWarned.get(source) ?? 0) < WARN_INTERVAL_MS) return;
    this.lastWarned.set(source, now);
    this.logger.warn(`${source}: ${error.message} (repeats are not logged for a minute)`);
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.then(() => true, () => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
