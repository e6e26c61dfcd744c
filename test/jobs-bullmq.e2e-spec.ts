import Redis from 'ioredis';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { pollJob } from './support/job-polling';
import { flushAll } from './support/redis-turn-lock.fixture';
import { RedisServer } from './support/servers/redis.server';
import { createTestDatabase, type TestDatabase } from './support/servers/test-database.factory';
import { startTestApp, type TestApp } from './support/test-app';
import { verifySignature, WebhookReceiver } from './support/webhook-receiver';

const SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Replicas (REDIS_URL) share their stores in PostgreSQL: every app here gets the test's own database.
describe('background jobs on BullMQ (REDIS_URL, real redis-server, stores in PostgreSQL)', () => {
  let redis: RedisServer;
  let database: TestDatabase;
  let fake: FakeOpenAiServer;
  const apps: TestApp[] = [];

  const boot = async (env: Record<string, string> = {}): Promise<TestApp> => {
    const app = await startTestApp({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MAX_RETRIES: '0',
      REDIS_URL: redis.url,
      DATABASE_URL: database.url,
      TURN_LOCK_TTL_MS: '2000',
      JOB_RETRY_DELAY_MS: '100',
      ...env,
    });
    apps.push(app);
    return app;
  };
  const submit = (app: TestApp, body: object) => request(app.url).post('/api/chat/jobs').send({ user_id: 'ann', message: 'Hello', ...body });

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  beforeEach(async () => {
    await flushAll(redis.url);
    database = await createTestDatabase();
    fake = await FakeOpenAiServer.start();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await database.drop();
    await fake.stop();
    expect(fake.unexpected).toEqual([]);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('answers 202 and runs the job to succeeded, its state in Redis', async () => {
    const app = await boot();
    const { body, headers } = await submit(app, {}).expect(202);
    expect(headers.location).toBe(`/api/chat/jobs/${body.job_id}`);
    const done = await pollJob(app.url, body.job_id);
    expect(done).toEqual({ job_id: body.job_id, status: 'succeeded', user_id: 'ann', answer: fake.answerFor('Hello', 1), thread_id: expect.stringMatching(/^conv_/) });
    const admin = new Redis(redis.url);
    try {
      expect(await admin.exists(`chat:jobs:${body.job_id}`)).toBe(1);
    } finally {
      admin.disconnect();
    }
    await request(app.url).get('/api/chat/jobs/job_AAAAAAAAAAAAAAAAAAAAAA').expect(404);
  });

  it('retries an upstream failure worth retrying, with backoff, and succeeds', async () => {
    const app = await boot({ JOB_MAX_ATTEMPTS: '3' });
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 503, times: 2 });
    const { body } = await submit(app, {}).expect(202);
    const done = await pollJob(app.url, body.job_id);
    expect(done).toMatchObject({ status: 'succeeded', answer: fake.answerFor('Hello', 1) });
    expect(fake.countRequests('POST /v1/responses')).toBe(3);
  });

  it('ends failed after the last attempt, with the last error', async () => {
    const app = await boot({ JOB_MAX_ATTEMPTS: '2' });
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 503, times: Infinity });
    const { body } = await submit(app, {}).expect(202);
    expect(await pollJob(app.url, body.job_id)).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(fake.countRequests('POST /v1/responses')).toBe(2);
  });

  it('does not retry a rejection', async () => {
    const app = await boot({ JOB_MAX_ATTEMPTS: '3' });
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 400 });
    const { body } = await submit(app, {}).expect(202);
    expect(await pollJob(app.url, body.job_id)).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_REJECTED' } });
    await sleep(300);
    expect(fake.countRequests('POST /v1/responses')).toBe(1);
  });

  it('never runs a job beside a live turn of its user', async () => {
    const app = await boot({ JOB_CONCURRENCY: '4' });
    fake.latencyMs = 50;
    const ids: string[] = [];
    const live: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i += 1) {
      ids.push((await submit(app, { message: `job ${i}` }).expect(202)).body.job_id);
      live.push(request(app.url).post('/api/chat').send({ user_id: 'ann', message: `live ${i}` }).then((response) => expect(response.status).toBe(200)));
    }
    await Promise.all(live);
    for (const id of ids) expect(await pollJob(app.url, id)).toMatchObject({ status: 'succeeded' });
    expect(fake.maxConcurrentPerConversation()).toBe(1);
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    expect(history.body.messages).toHaveLength(12);
  });

  it('runs one user’s jobs in submission order, whichever replica’s worker takes them, a retried job keeping its place', async () => {
    const [a, b] = [await boot({ JOB_CONCURRENCY: '4' }), await boot({ JOB_CONCURRENCY: '4' })];
    fake.latencyMs = 20;
    // The first job fails once in a way worth retrying: the others wait for its retry instead of overtaking it.
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 503 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push((await submit(i % 2 === 0 ? a : b, { message: `job ${i}` }).expect(202)).body.job_id);
    for (const id of ids) expect(await pollJob(a.url, id)).toMatchObject({ status: 'succeeded' });
    const asked = fake.requests.filter((r) => r.path === '/v1/responses').map((r) => /job \d/.exec(JSON.stringify(r.body?.input))?.[0]);
    expect(asked).toEqual(['job 0', ...ids.map((_, i) => `job ${i}`)]);
  });

  it('on two replicas, runs jobs and live turns of one user one at a time in one conversation, the jobs in submission order', async () => {
    const [a, b] = [await boot({ JOB_CONCURRENCY: '3' }), await boot({ JOB_CONCURRENCY: '3' })];
    fake.latencyMs = 30;
    const ids: string[] = [];
    const live: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i += 1) {
      ids.push((await submit(i % 2 === 0 ? a : b, { message: `job ${i}` }).expect(202)).body.job_id);
      live.push(request((i % 2 === 0 ? b : a).url).post('/api/chat').send({ user_id: 'ann', message: `live ${i}` }).then((response) => expect(response.status).toBe(200)));
    }
    await Promise.all(live);
    for (const [i, id] of ids.entries()) expect(await pollJob((i % 2 === 0 ? b : a).url, id)).toMatchObject({ status: 'succeeded' });
    expect(fake.conversations.size).toBe(1);
    expect(fake.maxConcurrentPerConversation()).toBe(1);
    const history = await request(a.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    const said: string[] = history.body.messages.map((m: { user: string }) => m.user);
    expect(said).toHaveLength(12);
    expect(said.filter((text) => text.startsWith('job'))).toEqual(ids.map((_, i) => `job ${i}`));
  });

  it('is one queue for every replica: a job sent to one can be read from another', async () => {
    const [a, b] = [await boot(), await boot()];
    const { body } = await submit(a, {}).expect(202);
    expect(await pollJob(b.url, body.job_id)).toMatchObject({ status: 'succeeded', user_id: 'ann' });
  });

  it('delivers the signed webhook, retrying after failures, never after the 2xx', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const app = await boot({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_DELAY_MS: '100' });
      receiver.answerWith(500, 500, 200);
      const { body } = await submit(app, { callback_url: receiver.url() }).expect(202);
      const job = await pollJob(app.url, body.job_id, { until: (found) => found.webhook?.state === 'delivered' });
      expect(job.webhook).toMatchObject({ attempts: 3, last_status: 200 });
      await sleep(800);
      expect(receiver.deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 200]);
      for (const delivery of receiver.deliveries) expect(verifySignature(SECRET, delivery.headers, delivery.body)).toBe(true);
      const { webhook: _state, ...result } = job;
      expect(JSON.parse(receiver.deliveries[2].body)).toEqual(result);
    } finally {
      await receiver.stop();
    }
  });

  it('at shutdown, stops a job the model is answering as failed, and leaves the user’s next job to another replica', async () => {
    const a = await boot({ SHUTDOWN_GRACE_MS: '300' });
    fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
    const first = (await submit(a, { message: 'one' }).expect(202)).body.job_id;
    const second = (await submit(a, { message: 'two' }).expect(202)).body.job_id;
    await pollJob(a.url, first, { until: (job) => job.status === 'running' });
    while (fake.countRequests('POST /v1/responses') === 0) await sleep(10);
    await apps.splice(0, 1)[0].close();

    const b = await boot();
    expect(await pollJob(b.url, first)).toMatchObject({ status: 'failed', error: { code: 'JOB_INTERRUPTED' } });
    expect(await pollJob(b.url, second)).toMatchObject({ status: 'succeeded', answer: expect.stringMatching(/: two$/) });
    expect(fake.countRequests('POST /v1/responses')).toBe(2);
  });

  it('answers 503 when Redis is down, and takes jobs again once it is back', async () => {
    const app = await boot();
    await redis.kill();
    try {
      const started = Date.now();
      const refused = await submit(app, {}).expect(503);
      expect(Date.now() - started).toBeLessThan(8000);
      expect(refused.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(refused.headers['retry-after']).toBeDefined();
      expect(JSON.stringify(refused.body)).not.toContain(redis.url);
    } finally {
      await redis.restart();
    }
    let accepted: request.Response | undefined;
    for (let i = 0; i < 100 && accepted?.status !== 202; i += 1) {
      accepted = await submit(app, {});
      if (accepted.status !== 202) await sleep(100);
    }
    expect(accepted?.status).toBe(202);
    expect(await pollJob(app.url, accepted!.body.job_id)).toMatchObject({ status: 'succeeded' });
  });

  it('removes finished jobs after JOB_RETENTION_MS', async () => {
    const app = await boot({ JOB_RETENTION_MS: '1000' });
    const first = (await submit(app, { message: 'one' }).expect(202)).body.job_id;
    await pollJob(app.url, first);
    await sleep(1500);
    // BullMQ removes old jobs as later ones finish.
    await pollJob(app.url, (await submit(app, { message: 'two' }).expect(202)).body.job_id);
    await request(app.url).get(`/api/chat/jobs/${first}`).expect(404);
  });
});
