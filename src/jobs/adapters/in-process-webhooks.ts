import { Logger } from '@nestjs/common';
import { webhookPayload } from '../dto/job-status.mapper';
import { type JobRecord, viewOfRecord } from '../job';
import type { JobStore } from '../job-store.port';
import { afterAttempt, type DeliverySettings } from '../webhooks/delivery-schedule';
import type { WebhookSender } from '../webhooks/webhook-sender';

/** A delivery state that could not be written is tried again this often, until it is. */
const REWRITE_DELAY_MS = 5000;

/**
 * Delivers finished jobs' webhooks for the in-process queue, retrying with
 * exponential backoff until a 2xx or the last attempt. Every attempt's outcome
 * is in the job's record before the next is planned, so a restart resumes
 * where it stopped (see `schedule`).
 */
export class InProcessWebhooks {
  private readonly logger = new Logger('Webhooks');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly attempts = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly sender: WebhookSender,
    private readonly settings: DeliverySettings,
  ) {}

  /** Plans the next delivery of a finished job whose webhook is pending (after a restart too). */
  schedule(record: JobRecord): void {
    if (this.closed || record.callbackUrl === undefined || record.delivery?.state !== 'pending') return;
    const wait = Math.max(0, (record.delivery.nextAttemptAt ?? 0) - Date.now());
    clearTimeout(this.timers.get(record.id));
    this.timers.set(
      record.id,
      setTimeout(() => {
        this.timers.delete(record.id);
        const attempt = this.attempt(record.id).catch((error: unknown) => this.logger.error(`webhook of job ${record.id} failed`, (error as Error)?.stack));
        this.attempts.add(attempt);
        void attempt.finally(() => this.attempts.delete(attempt));
      }, wait),
    );
  }

  /** No attempt starts after this; the ones under way finish (each within WEBHOOK_TIMEOUT_MS). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.attempts]);
  }

  private async attempt(id: string): Promise<void> {
    const record = await this.store.get(id);
    if (this.closed || record?.callbackUrl === undefined || record.delivery?.state !== 'pending') return;
    const attempt = await this.sender.send(record.callbackUrl, webhookPayload(viewOfRecord(record)));
    const next: JobRecord = { ...record, delivery: afterAttempt(record.delivery, attempt, this.settings) };
    if (!attempt.ok) this.logger.warn(`webhook of job ${id}: attempt ${next.delivery!.attempts} failed (${attempt.error}); ${next.delivery!.state === 'failed' ? 'giving up' : 'will retry'}`);
    await this.write(next);
    this.schedule(next);
  }

  /** Until the outcome is written, a restart would repeat the attempt (after a 2xx too): keep trying while the service runs. */
  private async write(record: JobRecord): Promise<void> {
    for (;;) {
      try {
        await this.store.put(record);
        return;
      } catch (error) {
        this.logger.warn(`webhook of job ${record.id}: its delivery state could not be written (${(error as Error).message}); trying again`);
        if (this.closed) return;
        await new Promise((resolve) => setTimeout(resolve, REWRITE_DELAY_MS).unref());
        if (this.closed) return;
      }
    }
  }
}
