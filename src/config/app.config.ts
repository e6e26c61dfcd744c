import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

/** `*` or the exact origins allowed to call the API from a browser. */
export type CorsOrigins = '*' | readonly string[];

/** The value handed to Express's `trust proxy` setting; `false` trusts no proxy. */
export type TrustProxy = boolean | number | readonly string[];

export interface AppConfig {
  port: number;
  corsOrigins: CorsOrigins;
  trustProxy: TrustProxy;
  messageMaxChars: number;
  shutdownGraceMs: number;
  /** Headers and body of a request must be in by then, else 408. */
  httpRequestTimeoutMs: number;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseAppConfig(env: EnvReader): AppConfig {
  return {
    // 0 picks a free port (the log says which): handy for tests and sidecars.
    port: env.integer('PORT', 5000, { min: 0, max: 65535 }),
    corsOrigins: parseCorsOrigins(env),
    trustProxy: parseTrustProxy(env),
    // The 64 KiB body limit caps what a message can be anyway.
    messageMaxChars: env.integer('MESSAGE_MAX_CHARS', 8000, { min: 1, max: 65536 }),
    shutdownGraceMs: env.integer('SHUTDOWN_GRACE_MS', 10000, { min: 0, max: 3_600_000 }),
    httpRequestTimeoutMs: env.integer('HTTP_REQUEST_TIMEOUT_MS', 30000, { min: 100, max: 3_600_000 }),
  };
}

function parseCorsOrigins(env: EnvReader): CorsOrigins {
  const raw = env.string('CORS_ORIGINS', '*');
  if (raw === '*') return '*';
  const origins = splitList(raw);
  if (origins.length === 0 || !origins.every(isOrigin)) {
    env.problem('CORS_ORIGINS', 'must be * or a comma-separated list of origins such as https://app.example.com');
  }
  return origins;
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

function parseTrustProxy(env: EnvReader): TrustProxy {
  const raw = env.optionalString('TRUST_PROXY')?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === 'off') return false;
  if (raw === 'true' || raw === 'on') return true;
  if (/^\d+$/.test(raw)) return env.integer('TRUST_PROXY', 0, { min: 0, max: 100 });
  const entries = splitList(raw);
  if (!entries.every(isProxyAddress)) {
    env.problem('TRUST_PROXY', 'must be true, false, a hop count, or a list of addresses, subnets or loopback/linklocal/uniquelocal');
  }
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || isIP(address) === 0) return false;
  if (prefix === undefined) return true;
  const limit = isIP(address) === 4 ? 32 : 128;
  return /^\d+$/.test(prefix) && Number(prefix) <= limit;
}

export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export const appConfig = registerAs('app', () => parseNamespace(process.env, parseAppConfig));
