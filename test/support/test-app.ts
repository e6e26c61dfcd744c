import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';

/** Every variable the service reads; cleared before each boot so a developer's shell cannot leak in. */
const SERVICE_VARIABLES = [
  'PORT', 'ASSISTANT_API', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ASSISTANT_ID', 'OPENAI_MODEL',
  'OPENAI_INSTRUCTIONS', 'OPENAI_TEMPERATURE', 'OPENAI_MAX_OUTPUT_TOKENS', 'OPENAI_TIMEOUT_MS', 'OPENAI_MAX_RETRIES',
  'THROTTLE_LIMIT', 'THROTTLE_TTL_MS', 'CORS_ORIGINS', 'TRUST_PROXY', 'MESSAGE_MAX_CHARS', 'CONVERSATION_LOG_PATH',
  'THREAD_STORE_PATH', 'SHUTDOWN_GRACE_MS', 'LOG_LEVEL', 'NODE_ENV', 'OPENAI_LOG', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID',
  'HTTP_REQUEST_TIMEOUT_MS', 'DATABASE_URL', 'DATABASE_POOL_MAX', 'DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_STATEMENT_TIMEOUT_MS',
  'DATABASE_STARTUP_WAIT_MS', 'REDIS_URL', 'TURN_LOCK_TTL_MS', 'AUTH_MODE', 'API_KEYS', 'JWT_JWKS_URL',
  'JWT_PUBLIC_KEY', 'JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_USER_CLAIM', 'LOG_FORMAT', 'METRICS_TOKEN',
  'OPENAI_ALLOWED_MODELS', 'WEBHOOK_SECRET', 'WEBHOOK_ALLOWED_HOSTS', 'JOB_STORE_PATH',
  'JOB_RETENTION_MS', 'JOB_MAX_ATTEMPTS', 'JOB_RETRY_DELAY_MS', 'JOB_CONCURRENCY', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_RETRY_DELAY_MS',
  'WEBHOOK_TIMEOUT_MS',
];

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:PORT */
  url: string;
  /** A temp directory of this app's own, holding its log and thread store unless `env` says otherwise. */
  dir: string;
  logPath: string;
  threadStorePath: string;
  jobStorePath: string;
  close(): Promise<void>;
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'chat-backend-'));
}

/**
 * Boots the real AppModule, configured exactly as main.ts does, on a free port.
 * `env` is the whole environment the service sees (besides defaults).
 */
export async function startTestApp(env: Record<string, string> = {}, dir?: string): Promise<TestApp> {
  const ownDir = dir ?? (await makeTempDir());
  const logPath = env.CONVERSATION_LOG_PATH ?? join(ownDir, 'conversations.json');
  const threadStorePath = env.THREAD_STORE_PATH ?? join(ownDir, 'threads.json');
  const jobStorePath = env.JOB_STORE_PATH ?? join(ownDir, 'jobs.json');
  for (const name of SERVICE_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    LOG_LEVEL: 'fatal',
    THROTTLE_LIMIT: '1000',
    CONVERSATION_LOG_PATH: logPath,
    THREAD_STORE_PATH: threadStorePath,
    JOB_STORE_PATH: jobStorePath,
    ...env,
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ readEnvFile: false }), {
    bodyParser: false,
    logger: false,
    abortOnError: false,
  });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dir: ownDir,
    logPath,
    threadStorePath,
    jobStorePath,
    close: async () => {
      // As main.ts's shutdown does: clients' kept-alive and never-used sockets must not hold the close.
      app.getHttpServer().closeAllConnections();
      await app.close();
      if (dir === undefined) await rm(ownDir, { recursive: true, force: true });
    },
  };
}
