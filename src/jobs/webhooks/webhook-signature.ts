import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Webhook-Timestamp';
export const SIGNATURE_HEADER = 'X-Signature';

/** `sha256=` and the hex HMAC-SHA256, keyed with WEBHOOK_SECRET, of `<timestamp>.<raw body>`. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
