import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { type JobBody, pollJob } from './support/job-polling';
import { flushAll } from './support/redis-turn-lock.fixture';
import { RedisServer } from './support/servers/redis.server';
import { createTestDatabase, type TestDatabase } from './support/servers/test-database.factory';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';
import { waitFor } from './support/wait-for';

// kill -9 of the process running a job, then a restart on the same state: the
// job runs again, or ends failed with a reason, within TURN_LOCK_TTL_MS + 10 s
// of the restart, and a question the model already had is never asked again.

const TURN_LOCK_TTL_MS = 2000;
const DEADLINE_MS = TURN_LOCK_TTL_MS + 10_000;

interface Setup {
  fake: FakeOpenAiServer;
  dir: string;
  env: Record<string, string>;
  service?: ServiceProcess & { url: string };
}

/** Restarts the service on the same directory and state; the job must settle within the deadline, counted from the restart. */
async function restartAndSettle(setup: Setup, jobId: string): Promise<{ job: JobBody; settledAfterMs: number }> {
  const restartedAt = Date.now();
  setup.service = await ServiceProcess.start(setup.env, setup.dir);
  const job = await pollJob(setup.service.url, jobId, { timeoutMs: DEADLINE_MS + 2000 });
  return { job, settledAfterMs: Date.now() - restartedAt };
}

async function killNow(setup: Setup): Promise<void> {
  setup.service!.kill('SIGKILL');
  expect(await setup.service!.exited).toEqual({ code: null, signal: 'SIGKILL' });
  setup.service = undefined;
}

/** What a scenario runs on besides the process: its store (a database, or JSON files by default) and Redis. */
interface Backing {
  env(dir: string): Promise<Record<string, string>>;
  cleanup?(): Promise<void>;
}

function killScenarios(name: string, backing: () => Backing): void {
  describe(name, () => {
    const setup = {} as Setup;
    let using: Backing;

    beforeEach(async () => {
      using = backing();
      setup.fake = await FakeOpenAiServer.start();
      setup.dir = await makeTempDir();
      setup.env = {
        ASSISTANT_API: 'responses',
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: setup.fake.baseURL,
        OPENAI_MAX_RETRIES: '0',
        THROTTLE_LIMIT: '1000',
        TURN_LOCK_TTL_MS: String(TURN_LOCK_TTL_MS),
        ...(await using.env(setup.dir)),
      };
      setup.service = await ServiceProcess.start(setup.env, setup.dir);
    });

    afterEach(async () => {
      await setup.service?.stop();
      await setup.fake.stop();
      await using.cleanup?.();
      await rm(setup.dir, { recursive: true, force: true });
    });

    it('ends a job the model was answering failed, without asking again', async () => {
      const { fake } = setup;
      fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
      const { body } = await request(setup.service!.url).post('/api/chat/jobs').send({ user_id: 'ann', message: 'in flight' }).expect(202);
      await waitFor(() => fake.countRequests('POST /v1/responses') === 1, 10000);
      await killNow(setup);

      const { job, settledAfterMs } = await restartAndSettle(setup, body.job_id);
      expect(job).toMatchObject({ status: 'failed', error: { code: 'JOB_INTERRUPTED', message: expect.stringContaining('not asked again') } });
      expect(settledAfterMs).toBeLessThan(DEADLINE_MS);
      expect(fake.countRequests('POST /v1/responses')).toBe(1);
      // The user's next turns are fine.
      await request(setup.service!.url).post('/api/chat').send({ user_id: 'ann', message: 'next' }).expect(200);
    });

    it('runs a job again that had not asked the model yet, and the user’s queued job after it', async () => {
      const { fake } = setup;
      // Killed while the job starts the user's conversation: the question has not gone upstream.
      fake.inject({ kind: 'hang', route: 'POST /v1/conversations' });
      const first = (await request(setup.service!.url).post('/api/chat/jobs').send({ user_id: 'ann', message: 'first' }).expect(202)).body.job_id;
      const second = (await request(setup.service!.url).post('/api/chat/jobs').send({ user_id: 'ann', message: 'second' }).expect(202)).body.job_id;
      await waitFor(() => fake.countRequests('POST /v1/conversations') === 1, 10000);
      await killNow(setup);

      const { job, settledAfterMs } = await restartAndSettle(setup, first);
      expect(job).toMatchObject({ status: 'succeeded', answer: fake.answerFor('first', 1) });
      expect(settledAfterMs).toBeLessThan(DEADLINE_MS);
      expect(await pollJob(setup.service!.url, second)).toMatchObject({ status: 'succeeded', answer: fake.answerFor('second', 2) });
      expect(fake.countRequests('POST /v1/responses')).toBe(2);
      const history = await request(setup.service!.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
      expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['first', 'second']);
    });
  });
}

/** A new PostgreSQL database for each scenario, dropped after it. */
function postgres(extra: () => Record<string, string> = () => ({})): Backing {
  let database: TestDatabase | undefined;
  return {
    env: async () => {
      database = await createTestDatabase();
      return { DATABASE_URL: database.url, ...extra() };
    },
    cleanup: async () => database?.drop(),
  };
}

describe('kill -9 while a job runs', () => {
  killScenarios('the in-process queue, jobs in JOB_STORE_PATH', () => ({ env: async () => ({}) }));
  killScenarios('the in-process queue, jobs in SQLite', () => ({ env: async (dir) => ({ DATABASE_URL: `sqlite:${join(dir, 'chat.db')}` }) }));
  killScenarios('the in-process queue, jobs in PostgreSQL', () => postgres());

  describe('on a real Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await RedisServer.start();
    });
    afterAll(async () => {
      await redis?.stop();
    });
    // Replicas (REDIS_URL) keep their stores in PostgreSQL.
    killScenarios('the BullMQ queue, stores in PostgreSQL', () => {
      const database = postgres(() => ({ REDIS_URL: redis.url }));
      return { env: async (dir) => (await flushAll(redis.url), database.env(dir)), cleanup: database.cleanup };
    });
  });
});
