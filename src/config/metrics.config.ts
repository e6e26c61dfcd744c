import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export interface MetricsConfig {
  /** When set, GET /api/metrics needs it as a bearer token. */
  token: string | undefined;
}

export function parseMetricsConfig(env: EnvReader): MetricsConfig {
  const token = env.optionalString('METRICS_TOKEN');
  if (token !== undefined && token.length < 16) env.problem('METRICS_TOKEN', 'must be at least 16 characters long');
  return { token };
}

export const metricsConfig = registerAs('metrics', () => parseNamespace(process.env, parseMetricsConfig));
