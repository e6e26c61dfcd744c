import type { JobView } from '../job';
import type { JobStatusDto, WebhookPayloadDto } from './job-status.dto';

/** The result as the webhook sends it: the same fields as GET, without the delivery state. */
export function webhookPayload(view: JobView): WebhookPayloadDto {
  const body: WebhookPayloadDto = { job_id: view.id, status: view.status, user_id: view.user.userId };
  if (view.answer !== undefined) body.answer = view.answer;
  if (view.threadId !== undefined) body.thread_id = view.threadId;
  if (view.error !== undefined) body.error = { code: view.error.code, message: view.error.message };
  return body;
}

export function jobStatusBody(view: JobView): JobStatusDto {
  const body: JobStatusDto = webhookPayload(view);
  const delivery = view.delivery;
  if (delivery !== undefined) {
    body.webhook = { state: delivery.state, attempts: delivery.attempts };
    if (delivery.lastStatus !== undefined) body.webhook.last_status = delivery.lastStatus;
    if (delivery.lastError !== undefined) body.webhook.last_error = delivery.lastError;
    if (delivery.deliveredAt !== undefined) body.webhook.delivered_at = delivery.deliveredAt / 1000;
  }
  return body;
}
