import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { pollJob } from './support/job-polling';
import type { PostgresCluster } from './support/servers/postgres.cluster';
import { startPostgresClusterProcess } from './support/servers/postgres-cluster.remote';
import { freePort } from './support/servers/tcp-port.probe';
import { ServiceProcess } from './support/service-process';
import { startTestApp, type TestApp } from './support/test-app';

const PASSWORD = 'pw-canary-93d1';

/**
 * A PostgreSQL the test owns, shut down and started again under a running service:
 * every route that needs it answers 503 with Retry-After at once (no hang, no 500),
 * health says so, and the service serves again by itself when the database is back.
 */
describe('PostgreSQL outage under a running service', () => {
  let cluster: PostgresCluster;
  let app: TestApp;

  beforeAll(async () => {
    cluster = await startPostgresClusterProcess();
    app = await startTestApp({ ASSISTANT_API: 'local', DATABASE_URL: cluster.url, DATABASE_CONNECT_TIMEOUT_MS: '2000' });
  }, 60000);

  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  const chat = (userId: string, message: string) => request(app.url).post('/api/chat').send({ user_id: userId, message });
  const submitJob = (userId: string, message: string) => request(app.url).post('/api/chat/jobs').send({ user_id: userId, message });

  it('answers 503 with Retry-After while the database is down, then recovers without a restart', async () => {
    expect((await chat('alice', 'before').expect(200)).body.answer).toContain('Turn 1');
    // The in-process queue keeps its jobs in the same database.
    const job = (await submitJob('carol', 'a job before')).body.job_id;
    expect(await pollJob(app.url, job)).toMatchObject({ status: 'succeeded' });
    await request(app.url).get('/api/health').expect(200);

    await cluster.halt();
    const started = Date.now();
    for (const pending of [
      chat('alice', 'during'),
      chat('bob', 'first words'),
      request(app.url).post('/api/chat/stream').send({ user_id: 'alice', message: 'during' }),
      request(app.url).get('/api/chat/history?user_id=alice'),
      request(app.url).delete('/api/chat/history?user_id=alice'),
      request(app.url).delete('/api/chat/thread?user_id=alice'),
      submitJob('carol', 'a job during'),
      request(app.url).get(`/api/chat/jobs/${job}`),
    ]) {
      const response = await pending;
      expect({ status: response.status, retryAfter: response.headers['retry-after'], code: response.body.code }).toEqual({
        status: 503,
        retryAfter: '5',
        code: 'STORE_UNAVAILABLE',
      });
    }
    expect(Date.now() - started).toBeLessThan(5000);
    const health = await request(app.url).get('/api/health').expect(503);
    expect(health.body).toMatchObject({ status: 'error', checks: { store: { status: 'error' } } });
    await request(app.url).get('/api/health/live').expect(200);

    await cluster.resume();
    // The pool opens new connections on demand: no restart, no manual step.
    const deadline = Date.now() + 15000;
    let answer = await chat('alice', 'after');
    while (answer.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await chat('alice', 'after');
    }
    expect(answer.status).toBe(200);
    // The same conversation as before the outage, and nothing of the failed turns in it.
    expect(answer.body.answer).toContain('Turn 2');
    await request(app.url).get('/api/health').expect(200);
    const history = await request(app.url).get('/api/chat/history?user_id=alice').expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['before', 'after']);
    // The job from before the outage is still there; the refused one left nothing behind, and jobs run again.
    expect(await pollJob(app.url, job)).toMatchObject({ status: 'succeeded' });
    const after = (await submitJob('carol', 'a job after').expect(202)).body.job_id;
    expect(await pollJob(app.url, after)).toMatchObject({ status: 'succeeded', answer: expect.stringContaining('Turn 2') });
  }, 60000);
});

describe('start-up without its database', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'db-startup-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('waits DATABASE_STARTUP_WAIT_MS for an unreachable PostgreSQL, then exits 1 with one line naming DATABASE_URL, never the password', async () => {
    const port = await freePort();
    const service = ServiceProcess.spawn({ ASSISTANT_API: 'local', DATABASE_URL: `postgres://chat:${PASSWORD}@127.0.0.1:${port}/chat`, DATABASE_STARTUP_WAIT_MS: '2000' }, dir);
    const started = Date.now();
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - started).toBeLessThan(10000);
    expect(service.logs).toMatch(new RegExp(`^DATABASE_URL: cannot reach the database at postgres://chat@127.0.0.1:${port}/chat .*\\n$`));
    expect(service.logs).not.toContain(PASSWORD);
  });

  it('exits 1 naming DATABASE_URL when the SQLite path cannot be a database file', async () => {
    const service = ServiceProcess.spawn({ ASSISTANT_API: 'local', DATABASE_URL: `sqlite:${dir}`, DATABASE_STARTUP_WAIT_MS: '0' }, dir);
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.logs).toMatch(new RegExp(`DATABASE_URL: .*${dir}`));
  });
});
