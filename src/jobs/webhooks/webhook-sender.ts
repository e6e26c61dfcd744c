import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { webhooksConfig } from '../../config/webhooks.config';
import type { WebhookPayloadDto } from '../dto/job-status.dto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './webhook-signature';
import { RefusedAddressError, WebhookTargetPolicy } from './webhook-target.policy';

/** What one delivery came to. A 2xx is the only success: a 3xx (redirects are not followed), 4xx, 5xx, timeout or connection error is a failure. */
export interface DeliveryAttempt {
  ok: boolean;
  status?: number;
  /** Why it failed, safe to show (never the URL, which may carry a token, nor the receiver's body). */
  error?: string;
}

/** Sends a job's result to its callback_url, signed, over a connection that only reaches allowed addresses. */
@Injectable()
export class WebhookSender {
  private readonly secret: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly policy: WebhookTargetPolicy,
    @Inject(webhooksConfig.KEY) config: ConfigType<typeof webhooksConfig>,
  ) {
    // Config validation makes the secret required whenever a host is allowed, so no URL gets here without one.
    this.secret = config.secret ?? '';
    this.timeoutMs = config.timeoutMs;
  }

  async send(callbackUrl: string, payload: WebhookPayloadDto): Promise<DeliveryAttempt> {
    if (this.secret === '') return { ok: false, error: 'WEBHOOK_SECRET is not set' };
    const url = new URL(callbackUrl);
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    try {
      // A literal IP is connected to without a lookup: check it here.
      if (isIP(literal) !== 0) this.policy.assertAddress(literal, url.protocol);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const body = JSON.stringify(payload);
    // Signed afresh for each attempt, so that a retry passes a receiver's freshness check.
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      'User-Agent': 'chat-backend-webhooks/1',
      'X-Webhook-Id': payload.job_id,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: webhookSignature(this.secret, timestamp, body),
    };
    return new Promise<DeliveryAttempt>((resolve) => {
      let settled = false;
      const finish = (attempt: DeliveryAttempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(attempt);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      // agent: false: a connection of its own, made with this lookup, never reused for another host.
      const request = send(url, { method: 'POST', headers, agent: false, lookup: this.policy.lookupFor(url.protocol) }, (response) => {
        const status = response.statusCode ?? 0;
        // The body is not read: nothing in it changes the outcome.
        response.destroy();
        const ok = status >= 200 && status < 300;
        finish(ok ? { ok, status } : { ok, status, error: `the receiver answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}` });
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish({ ok: false, error: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      request.on('error', (error) => finish({ ok: false, error: describe(error) }));
      request.end(body);
    });
  }
}

function describe(error: Error): string {
  if (error instanceof RefusedAddressError) return error.message;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name did not resolve';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    default:
      return `the delivery failed (${(error as NodeJS.ErrnoException).code ?? error.name})`;
  }
}
