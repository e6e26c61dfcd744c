import type { Delivery } from '../job';
import type { DeliveryAttempt } from './webhook-sender';

/** No wait between two deliveries is longer, however many attempts are configured. */
const MAX_RETRY_DELAY_MS = 3_600_000;

export interface DeliverySettings {
  maxAttempts: number;
  retryDelayMs: number;
}

/** The wait after the `attempts`-th failed delivery: the first retry delay, doubled for each further attempt. */
export function retryDelay(attempts: number, { retryDelayMs }: DeliverySettings): number {
  return Math.min(MAX_RETRY_DELAY_MS, retryDelayMs * 2 ** Math.max(0, attempts - 1));
}

/** The delivery state after one more attempt that came to `attempt`. */
export function afterAttempt(previous: Delivery, attempt: DeliveryAttempt, settings: DeliverySettings, now = Date.now()): Delivery {
  const attempts = previous.attempts + 1;
  const last = { ...(attempt.status === undefined ? {} : { lastStatus: attempt.status }), ...(attempt.error === undefined ? {} : { lastError: attempt.error }) };
  if (attempt.ok) return { state: 'delivered', attempts, ...last, deliveredAt: now };
  if (attempts >= settings.maxAttempts) return { state: 'failed', attempts, ...last };
  return { state: 'pending', attempts, ...last, nextAttemptAt: now + retryDelay(attempts, settings) };
}
