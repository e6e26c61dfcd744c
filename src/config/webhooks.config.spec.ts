import { ConfigValidationError } from './config-validation.error';
import type { Environment } from './env-reader';
import { parseJobsConfig } from './jobs.config';
import { parseNamespace } from './read-namespace';
import { canonicalHost, parseWebhooksConfig } from './webhooks.config';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';

function problems(env: Environment): readonly string[] {
  try {
    parseNamespace(env, parseWebhooksConfig);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('webhooks configuration', () => {
  it('allows no host and needs no secret by default', () => {
    expect(parseNamespace({}, parseWebhooksConfig)).toEqual({ secret: undefined, allowedHosts: [], maxAttempts: 8, retryDelayMs: 5000, timeoutMs: 10000 });
  });

  it('reads the hosts in their canonical form, without duplicates', () => {
    const config = parseNamespace({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: ' Hooks.Example.COM., 127.0.0.1 ,::1,[::1], localhost' }, parseWebhooksConfig);
    expect(config.allowedHosts).toEqual(['hooks.example.com', '127.0.0.1', '[::1]', 'localhost']);
  });

  it('requires a secret as soon as a host is listed, and a long one', () => {
    expect(problems({ WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com' })).toEqual(['WEBHOOK_SECRET is required when WEBHOOK_ALLOWED_HOSTS lists hosts']);
    expect(problems({ WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com', WEBHOOK_SECRET: 'short-secret-canary' })).toEqual(['WEBHOOK_SECRET must be at least 32 characters long']);
  });

  it.each(['https://hooks.example.com', 'hooks.example.com:443', 'hooks.example.com/path', '*.example.com', 'user@hooks.example.com', ','])(
    'refuses the entry %j, without echoing the secret',
    (entry) => {
      const found = problems({ WEBHOOK_ALLOWED_HOSTS: entry, WEBHOOK_SECRET: 'short-secret-canary' });
      expect(found).toContain('WEBHOOK_ALLOWED_HOSTS must be a comma-separated list of host names or IP addresses, without scheme, port or path (any port is allowed)');
      expect(found.join(' ')).not.toContain('short-secret-canary');
    },
  );

  it.each([
    ['LOCALHOST.', 'localhost'],
    ['0x7f.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['::FFFF:127.0.0.1', '[::ffff:7f00:1]'],
    ['[0:0:0:0:0:0:0:1]', '[::1]'],
    ['bad host', undefined],
  ])('writes %j as %j', (host, canonical) => {
    expect(canonicalHost(host)).toBe(canonical);
  });

  it('reads the jobs settings with their defaults', () => {
    expect(parseNamespace({}, parseJobsConfig)).toEqual({ retentionMs: 86_400_000, maxAttempts: 3, retryDelayMs: 5000, concurrency: 10 });
    expect(() => parseNamespace({ JOB_RETENTION_MS: '10' }, parseJobsConfig)).toThrow(/JOB_RETENTION_MS/);
  });
});
