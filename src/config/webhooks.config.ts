import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import { splitList } from './app.config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

/** Long enough that an HMAC key cannot be guessed (RFC 2104 recommends at least the hash's length). */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;

export interface WebhooksConfig {
  /** The HMAC-SHA256 key of X-Signature; set whenever any host is allowed. Never log it. */
  secret: string | undefined;
  /** Host names and IP addresses a callback_url may name, canonical (see `canonicalHost`); empty: callbacks are refused. */
  allowedHosts: readonly string[];
  /** Deliveries of one result at most (the first and its retries). */
  maxAttempts: number;
  /** The wait before the first retry; it doubles with each further one. */
  retryDelayMs: number;
  /** One delivery (connect, send, status line) must be done by then, else it failed. */
  timeoutMs: number;
}

export function parseWebhooksConfig(env: EnvReader): WebhooksConfig {
  const allowedHosts = parseAllowedHosts(env);
  const secret = env.optionalString('WEBHOOK_SECRET');
  // Required as soon as a callback can be accepted, so that no result is ever sent unsigned.
  if (secret === undefined && allowedHosts.length > 0) env.problem('WEBHOOK_SECRET', 'is required when WEBHOOK_ALLOWED_HOSTS lists hosts');
  if (secret !== undefined && secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    env.problem('WEBHOOK_SECRET', `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters long`);
  }
  return {
    secret,
    allowedHosts,
    maxAttempts: env.integer('WEBHOOK_MAX_ATTEMPTS', 8, { min: 1, max: 50 }),
    retryDelayMs: env.integer('WEBHOOK_RETRY_DELAY_MS', 5000, { min: 10, max: 3_600_000 }),
    timeoutMs: env.integer('WEBHOOK_TIMEOUT_MS', 10000, { min: 100, max: 600_000 }),
  };
}

function parseAllowedHosts(env: EnvReader): string[] {
  const raw = env.optionalString('WEBHOOK_ALLOWED_HOSTS');
  if (raw === undefined) return [];
  const hosts = splitList(raw).map(canonicalHost);
  if (hosts.length === 0 || hosts.some((host) => host === undefined)) {
    env.problem('WEBHOOK_ALLOWED_HOSTS', 'must be a comma-separated list of host names or IP addresses, without scheme, port or path (any port is allowed)');
    return [];
  }
  return [...new Set(hosts as string[])];
}

/**
 * A host as URL parsing writes it (lower case, IPv4 in dotted decimal, IPv6
 * compressed in brackets), without a trailing dot: the one form in which a
 * listed host, a callback_url's host and a resolved address are compared.
 * Undefined when `host` is not a bare host name or IP address.
 */
export function canonicalHost(host: string): string | undefined {
  const trimmed = host.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname;
  if (!/^[A-Za-z0-9._-]+$/.test(trimmed)) return undefined;
  try {
    const name = new URL(`http://${trimmed}/`).hostname.replace(/\.$/, '');
    return name.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

export const webhooksConfig = registerAs('webhooks', () => parseNamespace(process.env, parseWebhooksConfig));
