import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export interface JobsConfig {
  /** How long a finished job can still be read (and its webhook retried); then it is removed. */
  retentionMs: number;
  /** With REDIS_URL: how many times a job is tried when the upstream or a store fails in a way worth retrying. */
  maxAttempts: number;
  /** With REDIS_URL: the wait before the first retry; it doubles with each further one. */
  retryDelayMs: number;
  /** With REDIS_URL: how many jobs one replica's worker runs at once. */
  concurrency: number;
}

export function parseJobsConfig(env: EnvReader): JobsConfig {
  return {
    retentionMs: env.integer('JOB_RETENTION_MS', 86_400_000, { min: 1000, max: 365 * 86_400_000 }),
    maxAttempts: env.integer('JOB_MAX_ATTEMPTS', 3, { min: 1, max: 20 }),
    retryDelayMs: env.integer('JOB_RETRY_DELAY_MS', 5000, { min: 10, max: 3_600_000 }),
    concurrency: env.integer('JOB_CONCURRENCY', 10, { min: 1, max: 1000 }),
  };
}

export const jobsConfig = registerAs('jobs', () => parseNamespace(process.env, parseJobsConfig));
