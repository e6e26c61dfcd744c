import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { webhookPayload } from '../dto/job-status.mapper';
import { afterAttempt, type DeliverySettings } from '../webhooks/delivery-schedule';
import type { WebhookSender } from '../webhooks/webhook-sender';
import { type BullJobData, type ChatJob, viewOfBullJob, type WebhookJobData } from './bullmq-job.data';

/**
 * One delivery of a finished job's webhook. Its outcome goes into the chat
 * job's delivery state; a failure goes back to BullMQ, which retries it with
 * the same backoff until the last attempt. A job already delivered is never
 * sent again.
 */
export class WebhookProcessor {
  constructor(
    private readonly jobs: Queue<BullJobData>,
    private readonly sender: WebhookSender,
    private readonly settings: DeliverySettings,
  ) {}

  async process(hook: Job<WebhookJobData>): Promise<void> {
    const job = (await this.jobs.getJob(hook.data.jobId)) as ChatJob | undefined;
    const delivery = job?.data.delivery;
    if (job === undefined || job.data.callbackUrl === undefined || delivery?.state !== 'pending') return;
    const view = await viewOfBullJob(job);
    if (view === undefined) return;
    const attempt = await this.sender.send(job.data.callbackUrl, webhookPayload(view));
    const next = afterAttempt(delivery, attempt, this.settings);
    await job.updateData({ ...job.data, delivery: next });
    if (next.state === 'failed') throw new UnrecoverableError(attempt.error ?? 'failed');
    if (next.state === 'pending') throw new Error(attempt.error ?? 'failed');
  }
}
