import { request as httpRequest } from 'node:http';
import Redis from 'ioredis';
import request from 'supertest';
import { turnKeys } from '../src/turns/adapters/redis-turn.keys';
import { flushAll, RedisTurnLocks } from './support/redis-turn-lock.fixture';
import { RedisServer } from './support/servers/redis.server';
import { createTestDatabase, type TestDatabase } from './support/servers/test-database.factory';
import { ServiceProcess } from './support/service-process';
import { makeTempDir, startTestApp, type TestApp } from './support/test-app';

// The service with REDIS_URL, against a real redis-server: the rate limit
// shared by instances, readiness, and what clients see while Redis is down.

/** A request must not wait for Redis longer than the command timeout (2 s), plus the request's own work. */
const DOWN_ANSWER_MS = 3000;
const PASSWORD = 'redis-password-canary';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('waitUntil: condition not met in time');
    await sleep(10);
  }
}

// Replicas share PostgreSQL: REDIS_URL with the JSON files or SQLite stops start-up.
describe('the service with REDIS_URL', () => {
  let redis: RedisServer;
  let database: TestDatabase;
  const apps: TestApp[] = [];

  const boot = async (env: Record<string, string> = {}): Promise<TestApp> => {
    const app = await startTestApp({ ASSISTANT_API: 'local', REDIS_URL: redis.url, DATABASE_URL: database.url, TURN_LOCK_TTL_MS: '1000', ...env });
    apps.push(app);
    return app;
  };
  const chat = (app: TestApp, userId: string) => request(app.url).post('/api/chat').send({ user_id: userId, message: 'hi' });

  beforeAll(async () => {
    [redis, database] = await Promise.all([RedisServer.start(), createTestDatabase()]);
  });
  beforeEach(async () => {
    await flushAll(redis.url);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), database?.drop()]);
  });

  it('counts the rate limit once across two instances, to the request', async () => {
    const [a, b] = [await boot({ THROTTLE_LIMIT: '5' }), await boot({ THROTTLE_LIMIT: '5' })];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await chat(i % 2 === 0 ? a : b, `user-${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);

    const refused = await chat(b, 'one-more');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  });

  it('holds the shared limit under concurrent requests to both instances', async () => {
    const [a, b] = [await boot({ THROTTLE_LIMIT: '5' }), await boot({ THROTTLE_LIMIT: '5' })];
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(i % 2 === 0 ? a : b, `user-${i}`)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(5).fill(200), ...Array(7).fill(429)]);
  });

  it('reports Redis in readiness, and only with REDIS_URL', async () => {
    const app = await boot();
    const { body } = await request(app.url).get('/api/health').expect(200);
    expect(body).toEqual({ status: 'ok', checks: { assistant: { status: 'ok', mode: 'local' }, store: { status: 'ok' }, redis: { status: 'ok' } } });

    const single = await startTestApp({ ASSISTANT_API: 'local' });
    apps.push(single);
    const { body: alone } = await request(single.url).get('/api/health').expect(200);
    expect(Object.keys(alone.checks).sort()).toEqual(['assistant', 'store']);
  });

  it('answers readiness within a second when Redis hangs', async () => {
    const app = await boot();
    await request(app.url).get('/api/health').expect(200);
    const admin = new Redis(redis.url);
    try {
      await admin.client('PAUSE', 1500, 'ALL');
      const startedAt = Date.now();
      const { body } = await request(app.url).get('/api/health').expect(503);
      expect(Date.now() - startedAt).toBeLessThan(1400);
      expect(body.checks.redis).toEqual({ status: 'error', message: 'Redis did not answer PING within 1000 ms' });
    } finally {
      await admin.client('UNPAUSE');
      admin.disconnect();
    }
    await request(app.url).get('/api/health').expect(200);
  });

  it('opens its two connections (and BullMQ’s for the job queue) per instance, and closes them all when the instance closes', async () => {
    const admin = new Redis(redis.url);
    try {
      const clients = async (): Promise<string[]> => String(await admin.client('LIST')).split('\n').filter((line: string) => line.trim() !== '');
      const names = async (): Promise<string[]> => (await clients()).map((line) => /name=(\S*)/.exec(line)?.[1] ?? '');
      const before = (await clients()).length;
      const app = await boot();
      await chat(app, 'alice').expect(200);
      const open = await names();
      expect(open.filter((name) => name === 'chat-backend:commands' || name === 'chat-backend:subscriber').sort()).toEqual(['chat-backend:commands', 'chat-backend:subscriber']);
      expect(open.filter((name) => name === 'chat-backend:jobs-queue')).toHaveLength(2);
      const [only] = apps.splice(0);
      await only.close();
      const deadline = Date.now() + 3000;
      while ((await clients()).length > before && Date.now() < deadline) await sleep(20);
      expect((await names()).filter((name) => name.startsWith('chat-backend:'))).toEqual([]);
      expect(await clients()).toHaveLength(before);
    } finally {
      admin.disconnect();
    }
  });

  it('takes turns through the shared lock: a user whose lease another replica holds waits, and leaves the line when the client goes away', async () => {
    const app = await boot();
    const replica = new RedisTurnLocks(redis.url, 1000);
    try {
      const held = await replica.open().acquire({ namespace: '', userId: 'alice' });
      const { line } = turnKeys({ namespace: '', userId: 'alice' });
      const admin = new Redis(redis.url);
      try {
        // A client that gives up while waiting leaves the line at once.
        const gaveUp = httpRequest(`${app.url}/api/chat`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
        const closed = new Promise<string>((resolve) => gaveUp.on('error', () => resolve('closed')).on('close', () => resolve('closed')));
        gaveUp.end(JSON.stringify({ user_id: 'alice', message: 'hi' }));
        await waitUntil(async () => (await admin.zcard(line)) === 1);
        gaveUp.destroy();
        expect(await closed).toBe('closed');
        await waitUntil(async () => (await admin.zcard(line)) === 0);

        let answered = false;
        const waiting = chat(app, 'alice').then((response) => ((answered = true), response));
        await waitUntil(async () => (await admin.zcard(line)) === 1);
        await sleep(300);
        expect(answered).toBe(false);
        held.release();
        expect((await waiting).status).toBe(200);
      } finally {
        admin.disconnect();
      }
    } finally {
      await replica.closeAll();
    }
  });

  it('answers 503 with Retry-After while Redis is down, and recovers by itself when it is back', async () => {
    const app = await boot();
    await chat(app, 'alice').expect(200);
    await redis.kill();
    try {
      for (const send of [
        () => chat(app, 'alice'),
        () => request(app.url).post('/api/chat/stream').send({ user_id: 'alice', message: 'hi' }),
        () => request(app.url).get('/api/chat/history').query({ user_id: 'alice' }),
      ]) {
        const startedAt = Date.now();
        const response = await send();
        expect(Date.now() - startedAt).toBeLessThan(DOWN_ANSWER_MS);
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', code: 'STORE_UNAVAILABLE' });
      }
      const health = await request(app.url).get('/api/health').expect(503);
      expect(health.body).toMatchObject({ status: 'error', checks: { store: { status: 'ok' }, redis: { status: 'error', message: expect.any(String) } } });
      await request(app.url).get('/api/health/live').expect(200);
    } finally {
      await redis.restart();
    }

    // No restart of the app: it reconnects on its own (backoff capped at 2 s).
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await chat(app, 'alice')).status;
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
    await request(app.url).get('/api/health').expect(200);
  });
});

describe('the built service with a password in REDIS_URL', () => {
  let redis: RedisServer;
  let database: TestDatabase;
  let service: (ServiceProcess & { url: string }) | undefined;

  beforeAll(async () => {
    [redis, database] = await Promise.all([RedisServer.start(), createTestDatabase()]);
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', PASSWORD);
    admin.disconnect();
  });
  afterEach(async () => {
    await service?.stop();
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), database?.drop()]);
  });

  it('uses the password and never shows it, neither in logs nor in answers, also while Redis is down', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
    service = await ServiceProcess.start({ ASSISTANT_API: 'local', REDIS_URL: url, DATABASE_URL: database.url, LOG_LEVEL: 'debug' }, await makeTempDir());
    await request(service.url).post('/api/chat').send({ user_id: 'alice', message: 'hi' }).expect(200);
    const healthy = await request(service.url).get('/api/health').expect(200);
    expect(healthy.body.checks.redis).toEqual({ status: 'ok' });

    await redis.kill();
    const bodies: string[] = [];
    try {
      const down = await request(service.url).post('/api/chat').send({ user_id: 'alice', message: 'hi' }).expect(503);
      const health = await request(service.url).get('/api/health').expect(503);
      bodies.push(JSON.stringify(down.body), JSON.stringify(health.body));
      await sleep(500); // reconnect attempts log their failure
    } finally {
      await redis.restart(); // empty and without the password: the end of this describe
    }
    expect(service.logs).toMatch(/connection to redis:\/\/127\.0\.0\.1:\d+ failed/);
    expect(service.logs).not.toContain(PASSWORD);
    for (const body of bodies) expect(body).not.toContain(PASSWORD);
  });

  it('refuses to start with a REDIS_URL that is not one, without echoing it', async () => {
    const bad = `http://user:${PASSWORD}@127.0.0.1:1`;
    const child = ServiceProcess.spawn({ ASSISTANT_API: 'local', REDIS_URL: bad, DATABASE_URL: database.url }, await makeTempDir());
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    expect(child.logs).toMatch(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(child.logs).not.toContain(PASSWORD);
  });

  it('refuses to start with REDIS_URL over the JSON files, and says why', async () => {
    const child = ServiceProcess.spawn({ ASSISTANT_API: 'local', REDIS_URL: redis.url }, await makeTempDir());
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    expect(child.logs).toContain('REDIS_URL is set for replicas, but the storage is the JSON files, which only one process can use');
  });
});
