import { resolve } from 'node:path';
import { validateEnvironment } from './app-config.module';
import { parseAppConfig } from './app.config';
import { ConfigValidationError } from './config-validation.error';
import type { Environment } from './env-reader';
import { parseLoggingConfig } from './logging.config';
import { DEFAULT_MODEL, parseOpenAiConfig } from './openai.config';
import { parseNamespace } from './read-namespace';
import { parseRedisConfig } from './redis.config';
import { parseStoresConfig } from './stores.config';
import { parseThrottleConfig } from './throttle.config';

const CANARY_KEY = 'sk-secret-canary';

/** The error validateEnvironment throws for `env`; fails the test if it does not throw one. */
function validationError(env: Environment): ConfigValidationError {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected the environment to be rejected');
}

/** Words of a message: "0" must not count as shown just because "9007199254740991" contains it. */
const wordsOf = (message: string): string[] => message.split(/[\s,:;=()"'`]+/);

describe('configuration', () => {
  it('accepts an empty environment with local-mode defaults', () => {
    expect(validateEnvironment({})).toEqual({});
    expect(parseNamespace({}, parseAppConfig)).toEqual({
      port: 5000,
      corsOrigins: '*',
      trustProxy: false,
      messageMaxChars: 8000,
      shutdownGraceMs: 10000,
      httpRequestTimeoutMs: 30000,
    });
    expect(parseNamespace({}, parseThrottleConfig)).toEqual({ limit: 5, ttlMs: 60000 });
    expect(parseNamespace({}, parseLoggingConfig)).toEqual({ level: 'info', format: 'pretty' });
    expect(parseNamespace({}, parseOpenAiConfig)).toEqual({ mode: 'local' });
    expect(parseNamespace({}, parseRedisConfig)).toEqual({ mode: 'none', turnLockTtlMs: 30000 });
    expect(parseNamespace({}, parseStoresConfig)).toEqual({
      kind: 'json',
      conversationLogPath: resolve('conversations.json'),
      threadStorePath: resolve('threads.json'),
      jobStorePath: resolve('jobs.json'),
    });
  });

  it.each<[string, Environment, string, string | undefined]>([
    ['PORT=abc', { PORT: 'abc' }, 'PORT', 'abc'],
    ['PORT=70000', { PORT: '70000' }, 'PORT', '70000'],
    ['ASSISTANT_API=foo', { ASSISTANT_API: 'foo' }, 'ASSISTANT_API', 'foo'],
    ['ASSISTANT_API=responses without a key', { ASSISTANT_API: 'responses' }, 'OPENAI_API_KEY', undefined],
    [
      'ASSISTANT_API=assistants without an assistant id',
      { ASSISTANT_API: 'assistants', OPENAI_API_KEY: CANARY_KEY },
      'OPENAI_ASSISTANT_ID',
      CANARY_KEY,
    ],
    ['THROTTLE_LIMIT=0', { THROTTLE_LIMIT: '0' }, 'THROTTLE_LIMIT', '0'],
    ['THROTTLE_LIMIT=1.5', { THROTTLE_LIMIT: '1.5' }, 'THROTTLE_LIMIT', '1.5'],
    ['THROTTLE_TTL_MS=-5', { THROTTLE_TTL_MS: '-5' }, 'THROTTLE_TTL_MS', '-5'],
    ['LOG_LEVEL=verbose', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', 'verbose'],
    ['OPENAI_TEMPERATURE=3', { OPENAI_TEMPERATURE: '3' }, 'OPENAI_TEMPERATURE', '3'],
    ['OPENAI_BASE_URL=notaurl', { OPENAI_BASE_URL: 'notaurl' }, 'OPENAI_BASE_URL', 'notaurl'],
    ['CORS_ORIGINS=foo', { CORS_ORIGINS: 'foo' }, 'CORS_ORIGINS', 'foo'],
    ['TRUST_PROXY=nonsense', { TRUST_PROXY: 'nonsense' }, 'TRUST_PROXY', 'nonsense'],
    ['DATABASE_URL=mysql://...', { DATABASE_URL: 'mysql://u:pw-canary@h/db' }, 'DATABASE_URL', 'mysql://u:pw-canary@h/db'],
    ['DATABASE_URL=sqlite:', { DATABASE_URL: 'sqlite:' }, 'DATABASE_URL', 'sqlite:'],
    ['DATABASE_URL=sqlite://x.db', { DATABASE_URL: 'sqlite://x.db' }, 'DATABASE_URL', 'sqlite://x.db'],
    ['DATABASE_URL=sqlite::memory:', { DATABASE_URL: 'sqlite::memory:' }, 'DATABASE_URL', 'sqlite::memory:'],
    ['DATABASE_URL=postgres:///db', { DATABASE_URL: 'postgres:///db' }, 'DATABASE_URL', 'postgres:///db'],
    ['DATABASE_URL=not a url', { DATABASE_URL: 'not a url' }, 'DATABASE_URL', undefined],
    ['DATABASE_POOL_MAX=0', { DATABASE_URL: 'postgres://h/db', DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX', '0'],
    ['DATABASE_STATEMENT_TIMEOUT_MS=5', { DATABASE_URL: 'sqlite:x.db', DATABASE_STATEMENT_TIMEOUT_MS: '5' }, 'DATABASE_STATEMENT_TIMEOUT_MS', '5'],
  ])('rejects %s, naming the variable but not the value', (_name, env, variable, value) => {
    const error = validationError(env);
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${variable} `))]);
    expect(error.message).toContain(variable);
    if (value !== undefined) expect(wordsOf(error.message)).not.toContain(value);
  });

  it('lists every bad variable in one error', () => {
    const error = validationError({ PORT: 'abc', THROTTLE_LIMIT: '0', LOG_LEVEL: 'verbose', CORS_ORIGINS: 'foo' });
    expect(error.problems).toEqual([
      expect.stringMatching(/^PORT /),
      expect.stringMatching(/^CORS_ORIGINS /),
      expect.stringMatching(/^THROTTLE_LIMIT /),
      expect.stringMatching(/^LOG_LEVEL /),
    ]);
    for (const variable of ['PORT', 'CORS_ORIGINS', 'THROTTLE_LIMIT', 'LOG_LEVEL']) expect(error.message).toContain(variable);
  });

  it('defaults to the responses mode when OPENAI_API_KEY is set', () => {
    expect(parseNamespace({ OPENAI_API_KEY: CANARY_KEY }, parseOpenAiConfig)).toEqual({
      mode: 'responses',
      connection: { apiKey: CANARY_KEY, baseURL: undefined, timeoutMs: 60000, maxRetries: 2 },
      responses: { model: DEFAULT_MODEL, instructions: undefined, temperature: undefined, maxOutputTokens: undefined },
    });
  });

  it('accepts the assistants mode with a key and an assistant id', () => {
    const env = { ASSISTANT_API: 'Assistants', OPENAI_API_KEY: CANARY_KEY, OPENAI_ASSISTANT_ID: 'asst_1' };
    expect(parseNamespace(env, parseOpenAiConfig)).toMatchObject({ mode: 'assistants', assistantId: 'asst_1' });
  });

  it.each(['production', 'PRODUCTION'])('refuses NODE_ENV=%s without a key unless local is chosen explicitly', (nodeEnv) => {
    expect(validationError({ NODE_ENV: nodeEnv, AUTH_MODE: 'none' }).problems).toEqual([expect.stringMatching(/^OPENAI_API_KEY /)]);
    expect(() => validateEnvironment({ NODE_ENV: nodeEnv, ASSISTANT_API: 'local', AUTH_MODE: 'none' })).not.toThrow();
    expect(parseNamespace({ NODE_ENV: nodeEnv, OPENAI_API_KEY: CANARY_KEY }, parseOpenAiConfig).mode).toBe('responses');
  });

  it.each([
    ['WARNING', 'warn'],
    ['CRITICAL', 'fatal'],
    ['DEBUG', 'debug'],
    ['Error', 'error'],
    [' info ', 'info'],
  ])('reads LOG_LEVEL=%s as %s', (raw, level) => {
    expect(parseNamespace({ LOG_LEVEL: raw }, parseLoggingConfig)).toEqual({ level, format: 'pretty' });
  });

  it('writes JSON logs by default in production, and as LOG_FORMAT says otherwise', () => {
    expect(parseNamespace({ NODE_ENV: 'production' }, parseLoggingConfig).format).toBe('json');
    expect(parseNamespace({ NODE_ENV: 'production', LOG_FORMAT: 'Pretty' }, parseLoggingConfig).format).toBe('pretty');
    expect(parseNamespace({ LOG_FORMAT: 'json' }, parseLoggingConfig).format).toBe('json');
    expect(validationError({ LOG_FORMAT: 'xml' }).problems).toEqual([expect.stringMatching(/^LOG_FORMAT must be one of json, pretty$/)]);
  });

  it.each<[string, unknown]>([
    ['true', true],
    ['false', false],
    ['2', 2],
    ['loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8']],
    ['127.0.0.1, ::1, fd00::/8', ['127.0.0.1', '::1', 'fd00::/8']],
  ])('reads TRUST_PROXY=%s', (raw, expected) => {
    expect(parseNamespace({ TRUST_PROXY: raw }, parseAppConfig).trustProxy).toEqual(expected);
  });

  it.each(['10.0.0.0/33', 'loopback, example.com'])('rejects TRUST_PROXY=%s', (raw) => {
    expect(validationError({ TRUST_PROXY: raw }).problems).toEqual([expect.stringMatching(/^TRUST_PROXY /)]);
  });

  it('reads a CORS_ORIGINS list', () => {
    const env = { CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' };
    expect(parseNamespace(env, parseAppConfig).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  it('rejects a CORS origin with a path, which a browser never sends', () => {
    expect(validationError({ CORS_ORIGINS: 'https://app.example.com/' }).problems).toEqual([
      expect.stringMatching(/^CORS_ORIGINS /),
    ]);
  });

  it('rejects the log and the thread store being one file', () => {
    const env = { CONVERSATION_LOG_PATH: './data/store.json', THREAD_STORE_PATH: 'data/store.json' };
    expect(validationError(env).problems).toEqual([expect.stringMatching(/^THREAD_STORE_PATH /)]);
  });

  it('reads DATABASE_URL=sqlite:PATH relative to the working directory', () => {
    expect(parseNamespace({ DATABASE_URL: 'sqlite:./data/chat.db' }, parseStoresConfig)).toEqual({
      kind: 'sqlite',
      path: resolve('data/chat.db'),
      database: { startupWaitMs: 10000, statementTimeoutMs: 10000 },
    });
  });

  it('reads a PostgreSQL DATABASE_URL with its pool settings, and a form of it without the password for messages', () => {
    const url = 'postgresql://chat:pw-canary@db.internal:5433/chat?sslmode=require';
    const env = { DATABASE_URL: url, DATABASE_POOL_MAX: '4', DATABASE_CONNECT_TIMEOUT_MS: '2000', DATABASE_STARTUP_WAIT_MS: '0' };
    expect(parseNamespace(env, parseStoresConfig)).toEqual({
      kind: 'postgres',
      url,
      displayUrl: 'postgresql://chat@db.internal:5433/chat',
      database: { startupWaitMs: 0, statementTimeoutMs: 10000 },
      pool: { max: 4, connectionTimeoutMs: 2000, idleTimeoutMs: 30000 },
    });
  });

  it('ignores the JSON file paths with a database, so they cannot clash', () => {
    const env = { DATABASE_URL: 'sqlite:chat.db', CONVERSATION_LOG_PATH: 'same.json', THREAD_STORE_PATH: 'same.json' };
    expect(() => validateEnvironment(env)).not.toThrow();
  });

  it('never shows the API key, whichever variables fail', () => {
    const cases: Environment[] = [
      { ASSISTANT_API: 'assistants', OPENAI_API_KEY: CANARY_KEY },
      { ASSISTANT_API: 'foo', OPENAI_API_KEY: CANARY_KEY, PORT: 'abc' },
      // A key pasted into the wrong variable is still a key.
      Object.fromEntries(
        ['PORT', 'ASSISTANT_API', 'OPENAI_BASE_URL', 'OPENAI_TEMPERATURE', 'THROTTLE_LIMIT', 'CORS_ORIGINS', 'TRUST_PROXY', 'LOG_LEVEL'].map(
          (name) => [name, CANARY_KEY],
        ),
      ),
    ];
    for (const env of cases) {
      const error = validationError(env);
      expect(error.message).not.toContain(CANARY_KEY);
      expect(error.stack).not.toContain(CANARY_KEY);
      expect(JSON.stringify(error.problems)).not.toContain(CANARY_KEY);
    }
  });
});

describe('Redis configuration', () => {
  const PASSWORD = 'redis-secret-canary';

  it.each([
    [`redis://:${PASSWORD}@redis.internal:6380/2`, 'redis://redis.internal:6380/2'],
    [`rediss://default:${PASSWORD}@cache.example.com`, 'rediss://cache.example.com:6379'],
    ['redis://127.0.0.1', 'redis://127.0.0.1:6379'],
    ['redis://[::1]:7000/', 'redis://[::1]:7000'],
  ])('reads REDIS_URL=%s, keeping the password out of its log name', (url, target) => {
    expect(parseNamespace({ REDIS_URL: url, TURN_LOCK_TTL_MS: '5000' }, parseRedisConfig)).toEqual({ mode: 'redis', url, target, turnLockTtlMs: 5000 });
  });

  it.each([
    `http://:${PASSWORD}@redis.internal:6379`,
    `redis://:${PASSWORD}@redis.internal:6379/not-a-db`,
    `redis://:${PASSWORD}@redis.internal:6379?tls=true`,
    `redis:${PASSWORD}`,
    PASSWORD,
  ])('rejects REDIS_URL=%s without showing it', (url) => {
    const error = validationError({ REDIS_URL: url, DATABASE_URL: 'postgres://chat@db.internal/chat' });
    expect(error.problems).toEqual([expect.stringMatching(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/)]);
    expect(error.message).not.toContain(PASSWORD);
  });

  it.each([
    [{}, 'the JSON files'],
    [{ DATABASE_URL: 'sqlite:./chat.db' }, 'a SQLite file'],
  ])('refuses REDIS_URL with storage that only one process can use (%j)', (storage, named) => {
    const error = validationError({ REDIS_URL: 'redis://127.0.0.1:6379', ...storage });
    expect(error.problems).toEqual([`REDIS_URL is set for replicas, but the storage is ${named}, which only one process can use; set DATABASE_URL to a postgres:// URL, or unset REDIS_URL`]);
  });

  it('accepts REDIS_URL with PostgreSQL', () => {
    expect(() => validateEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://chat@db.internal/chat' })).not.toThrow();
  });

  it.each(['999', '1.5', 'soon', '3600001'])('rejects TURN_LOCK_TTL_MS=%s', (value) => {
    expect(validationError({ TURN_LOCK_TTL_MS: value }).problems).toEqual([expect.stringMatching(/^TURN_LOCK_TTL_MS must be an integer from 1000 to 3600000/)]);
  });
});
