import { Logger } from '@nestjs/common';
import { DelayedError, type Queue, UnrecoverableError, WaitingError } from 'bullmq';
import { ErrorCode } from '../../common/errors/error-code';
import type { JobRunner, TurnOutcome } from '../job-runner';
import type { BullJobData, ChatJob, WebhookJobData } from './bullmq-job.data';
import type { JobLineGate } from './bullmq-line.gate';

/** Runs after the service stopped while running the job, before it ends failed: enough for a restart or two, not a crash loop. */
export const MAX_RERUNS_AFTER_STOPS = 3;

export interface ChatProcessorSettings {
  maxAttempts: number;
  /** Options of the webhook job added when a job with a callback_url finishes. */
  webhookJob: { attempts: number; removeAfterSeconds: number };
}

/**
 * One run of a chat job by a worker. A user's jobs run in submission order
 * (JobLineGate); each then takes its place in the user's turn line (the Redis
 * turn lock) with the live requests when it starts. Retryable failures
 * go back to BullMQ for a retry with backoff until the last attempt; a job's
 * final result is recorded in its data before BullMQ is told, and its webhook
 * is queued under the job's own id, so a run repeated after a crash neither
 * changes the result nor sends it twice.
 */
export class ChatJobProcessor {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly runner: JobRunner,
    private readonly line: JobLineGate,
    private readonly webhooks: Queue<WebhookJobData>,
    private readonly settings: ChatProcessorSettings,
  ) {}

  async process(job: ChatJob, token?: string): Promise<void> {
    if (job.data.final === undefined) {
      if (job.stalledCounter > MAX_RERUNS_AFTER_STOPS) {
        await this.finish(job, { kind: 'failed', error: { code: ErrorCode.JOB_INTERRUPTED, message: 'The service stopped too often while running this job' }, retryable: false });
      } else {
        const wait = await this.line.waitFor(job);
        if (wait !== undefined) {
          await job.moveToDelayed(Date.now() + wait, token);
          throw new DelayedError();
        }
        const outcome = await this.run(job);
        if (outcome.kind === 'stopped') {
          // Nothing went upstream: back in the queue for another worker, without spending an attempt.
          await job.moveToWait(token);
          throw new WaitingError();
        }
        if (outcome.kind === 'failed' && outcome.retryable && job.attemptsMade + 1 < this.settings.maxAttempts) {
          await job.updateData({ ...job.data, error: outcome.error });
          throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
        }
        await this.finish(job, outcome);
      }
    }
    await this.line.leave(job);
    if (job.data.callbackUrl !== undefined) {
      const { attempts, removeAfterSeconds } = this.settings.webhookJob;
      await this.webhooks.add('deliver', { jobId: job.id! }, {
        jobId: job.id,
        attempts,
        backoff: { type: 'doubling' },
        removeOnComplete: { age: removeAfterSeconds },
        removeOnFail: { age: removeAfterSeconds },
      });
    }
    if (job.data.final === 'failed') throw new UnrecoverableError(job.data.error?.message ?? 'failed');
  }

  /** Stops every run: each ends as a live turn whose client left (see JobRunner). */
  stopAll(): void {
    for (const stop of this.running.values()) stop.abort();
  }

  private async run(job: ChatJob): Promise<TurnOutcome> {
    const stop = new AbortController();
    this.running.set(job.id!, stop);
    try {
      const update = (changes: Partial<BullJobData>): Promise<void> => job.updateData({ ...job.data, ...changes });
      return await this.runner.run({
        job: { id: job.id!, ...job.data },
        signal: stop.signal,
        progress: {
          asking: () => update({ phase: 'asking' }),
          answered: (answer) => update({ phase: 'answered', answer }),
          reset: () => update({ phase: 'pending', answer: undefined }),
        },
      });
    } finally {
      this.running.delete(job.id!);
    }
  }

  private async finish(job: ChatJob, outcome: Exclude<TurnOutcome, { kind: 'stopped' }>): Promise<void> {
    const { answer: _answer, error: _error, ...data } = job.data;
    const finished: BullJobData = {
      ...data,
      final: outcome.kind,
      finishedAt: Date.now(),
      ...(outcome.kind === 'succeeded' ? { phase: 'answered', answer: outcome.answer } : { error: outcome.error }),
      ...(data.callbackUrl === undefined ? {} : { delivery: { state: 'pending', attempts: 0 } }),
    };
    await job.updateData(finished);
    if (outcome.kind === 'failed') this.logger.warn(`job ${job.id} failed: ${outcome.error.code}`);
  }
}
