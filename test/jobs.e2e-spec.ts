import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { pollJob } from './support/job-polling';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';
import { claimsAt, signHs256 } from './support/token-signer';
import { makeTempDir, startTestApp, type TestApp } from './support/test-app';

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('waitUntil: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const CRM = 'crm-0f5e8e1f2b8c4a7d9e3b6c1a0d4f7e2b5c8a1d3e6f9b2c5a';
const WEB = 'web-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e';
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

describe('background jobs, in process', () => {
  let fake: FakeOpenAiServer;
  let app: TestApp;

  const boot = async (env: Record<string, string> = {}) => {
    app = await startTestApp({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0', ...env });
  };
  const submit = (body: object) => request(app.url).post('/api/chat/jobs').send(body);
  /** Turns waiting for their place or holding it, as the metrics count them. */
  const turnsInLine = async (): Promise<number> => {
    const samples = parsePrometheusText((await request(app.url).get('/api/metrics').expect(200)).text);
    return sampleValue(samples, 'chat_turns_waiting') + sampleValue(samples, 'chat_turns_in_flight');
  };

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
  });

  afterEach(async () => {
    await app?.close();
    await fake.stop();
    expect(fake.unexpected).toEqual([]);
  });

  it('answers 202 with a Location at once, and the job runs to succeeded with the answer and thread_id', async () => {
    await boot();
    fake.inject({ kind: 'delay', route: 'POST /v1/responses', ms: 1000 });
    const accepted = await submit({ user_id: 'ann', message: 'Hello' }).expect(202);
    // Answered before the model was: the job is still on its way.
    expect((await request(app.url).get(`/api/chat/jobs/${accepted.body.job_id}`).expect(200)).body.status).toMatch(/^(queued|running)$/);
    expect(accepted.body).toEqual({ job_id: expect.stringMatching(/^job_[A-Za-z0-9_-]{22}$/), status: 'queued', user_id: 'ann' });
    expect(accepted.headers.location).toBe(`/api/chat/jobs/${accepted.body.job_id}`);

    const done = await pollJob(app.url, accepted.body.job_id);
    expect(done).toEqual({ job_id: accepted.body.job_id, status: 'succeeded', user_id: 'ann', answer: fake.answerFor('Hello', 1), thread_id: expect.stringMatching(/^conv_/) });

    // The same turn as a live request: logged, and in the same conversation as the user's next chat.
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    expect(history.body.messages).toEqual([{ user: 'Hello', bot: fake.answerFor('Hello', 1), timestamp: expect.any(Number) }]);
    const next = await request(app.url).post('/api/chat').send({ user_id: 'ann', message: 'Again' }).expect(200);
    expect(next.body).toMatchObject({ answer: fake.answerFor('Again', 2), thread_id: done.thread_id });
  });

  it('shows queued, then running, then succeeded', async () => {
    await boot();
    fake.latencyMs = 400;
    const { body } = await submit({ user_id: 'ann', message: 'Hello' }).expect(202);
    const seen = new Set<string>();
    await pollJob(app.url, body.job_id, { until: (job) => (seen.add(job.status), job.status === 'succeeded') });
    expect([...seen]).toEqual(expect.arrayContaining(['running', 'succeeded']));
  });

  it('makes a user id when none is sent, and passes the model settings on', async () => {
    await boot({ OPENAI_ALLOWED_MODELS: 'gpt-5-mini,gpt-test' });
    const { body } = await submit({ message: 'Hi', model: 'gpt-test', temperature: 0.5, max_output_tokens: 64 }).expect(202);
    expect(body.user_id).toMatch(/^anon-[0-9a-f-]{36}$/);
    await pollJob(app.url, body.job_id);
    const sent = fake.requests.find((r) => r.path === '/v1/responses')?.body;
    expect(sent).toMatchObject({ model: 'gpt-test', temperature: 0.5, max_output_tokens: 64 });
  });

  it('fails with the error a live request would get, and says so', async () => {
    await boot();
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 400, body: { error: { message: 'secret upstream text', type: 'invalid_request_error', param: null, code: null } } });
    const { body } = await submit({ user_id: 'ann', message: 'Hello' }).expect(202);
    const done = await pollJob(app.url, body.job_id);
    expect(done).toEqual({ job_id: body.job_id, status: 'failed', user_id: 'ann', error: { code: 'UPSTREAM_REJECTED', message: expect.any(String) } });
    expect(JSON.stringify(done)).not.toContain('secret upstream text');
    // Nothing was logged; the user's next turn is fine.
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    expect(history.body.messages).toEqual([]);
  });

  it.each([
    ['no message', { user_id: 'ann' }],
    ['an empty message', { user_id: 'ann', message: '   ' }],
    ['an unknown field', { user_id: 'ann', message: 'Hi', priority: 1 }],
    ['a callback_url that is not a string', { user_id: 'ann', message: 'Hi', callback_url: 42 }],
    ['a bad user_id', { user_id: 'a b', message: 'Hi' }],
    ['a model that is not allowed', { user_id: 'ann', message: 'Hi', model: 'gpt-unknown' }],
  ])('refuses a body with %s: 400, nothing queued', async (_name, body) => {
    await boot();
    const response = await submit(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(fake.requests).toEqual([]);
  });

  it.each(['job_AAAAAAAAAAAAAAAAAAAAAA', 'nope', 'job_', '..%2F..%2Fetc', 'job_AAAAAAAAAAAAAAAAAAAAAAA'])('answers 404 for the unknown or malformed id %s', async (id) => {
    await boot();
    const response = await request(app.url).get(`/api/chat/jobs/${id}`).expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('counts submissions in the chat routes’ rate limit', async () => {
    await boot({ THROTTLE_LIMIT: '2' });
    await submit({ user_id: 'ann', message: 'one' }).expect(202);
    await request(app.url).post('/api/chat').send({ user_id: 'ann', message: 'two' }).expect(200);
    const refused = await submit({ user_id: 'ann', message: 'three' }).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
  });

  it('runs a job and then a live chat of the same user in that order, never together', async () => {
    await boot();
    fake.latencyMs = 300;
    const { body } = await submit({ user_id: 'ann', message: 'first, as a job' }).expect(202);
    // Sent right after the 202, while the job is still waiting for its answer.
    const live = await request(app.url).post('/api/chat').send({ user_id: 'ann', message: 'second, live' }).expect(200);
    const job = await pollJob(app.url, body.job_id);
    expect(job.answer).toBe(fake.answerFor('first, as a job', 1));
    expect(live.body.answer).toBe(fake.answerFor('second, live', 2));
    expect(fake.maxConcurrentPerConversation()).toBe(1);
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['first, as a job', 'second, live']);
  });

  it('runs a burst of jobs and chats of one user strictly in arrival order', async () => {
    await boot();
    // The first turn holds the line while the others join it, so that each one's place is known before the next is sent.
    fake.inject({ kind: 'delay', route: 'POST /v1/responses', ms: 2000 });
    const sent: string[] = [];
    const jobIds: string[] = [];
    const chats: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i += 1) {
      const message = `turn ${i}`;
      sent.push(message);
      if (i % 3 === 1) chats.push(request(app.url).post('/api/chat').send({ user_id: 'ann', message }).then((response) => expect(response.status).toBe(200)));
      else jobIds.push((await submit({ user_id: 'ann', message }).expect(202)).body.job_id);
      await waitUntil(async () => (await turnsInLine()) === i + 1);
    }
    await Promise.all(chats);
    for (const id of jobIds) expect((await pollJob(app.url, id)).status).toBe('succeeded');
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(sent);
    expect(fake.maxConcurrentPerConversation()).toBe(1);
  });

  it('at shutdown, stops a job the model is answering as failed, keeps the waiting ones queued, and runs them after the restart', async () => {
    const dir = await makeTempDir();
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0', SHUTDOWN_GRACE_MS: '300' };
    app = await startTestApp(env, dir);
    fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
    const first = (await submit({ user_id: 'ann', message: 'one' }).expect(202)).body.job_id;
    const second = (await submit({ user_id: 'ann', message: 'two' }).expect(202)).body.job_id;
    await pollJob(app.url, first, { until: (job) => job.status === 'running' });
    await waitUntil(async () => fake.countRequests('POST /v1/responses') === 1);
    await app.close();

    app = await startTestApp(env, dir);
    expect(await pollJob(app.url, first)).toMatchObject({ status: 'failed', error: { code: 'JOB_INTERRUPTED' } });
    expect(await pollJob(app.url, second)).toMatchObject({ status: 'succeeded', answer: expect.stringMatching(/: two$/) });
    // The interrupted question was asked once and not again; the conversation holds only what was logged.
    expect(fake.countRequests('POST /v1/responses')).toBe(2);
    const [conversation] = [...fake.conversations.values()];
    expect(conversation.items.filter((item) => item.role === 'user').map((item) => item.text)).toEqual(['two']);
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['two']);
    await app.close();
    app = undefined as unknown as TestApp;
    await rm(dir, { recursive: true, force: true });
  });

  describe('after a crash, from the phase the job recorded', () => {
    const answered = (id: string, timestamp: number) => ({
      id,
      user: { namespace: '', userId: 'ann' },
      message: 'asked before the crash',
      settings: {},
      status: 'running',
      phase: 'answered',
      answer: { threadId: 'conv_recorded', exchange: { user: 'asked before the crash', bot: 'the recorded answer', timestamp } },
      createdAt: Math.round(timestamp * 1000),
    });

    it.each([
      ['not logged yet: logs it', {}],
      ['already logged: does not log it twice', { ann: [{ user: 'asked before the crash', bot: 'the recorded answer', timestamp: 1_700_000_000.5 }] }],
    ])('finishes a job whose answer was recorded, %s, without asking the model', async (_name, log) => {
      const dir = await makeTempDir();
      const id = 'job_RRRRRRRRRRRRRRRRRRRRRR';
      await writeFile(join(dir, 'jobs.json'), JSON.stringify({ version: 1, jobs: { [id]: answered(id, 1_700_000_000.5) } }));
      await writeFile(join(dir, 'conversations.json'), JSON.stringify(log));
      app = await startTestApp({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0' }, dir);
      expect(await pollJob(app.url, id)).toEqual({ job_id: id, status: 'succeeded', user_id: 'ann', answer: 'the recorded answer', thread_id: 'conv_recorded' });
      const history = await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
      expect(history.body.messages).toEqual([{ user: 'asked before the crash', bot: 'the recorded answer', timestamp: 1_700_000_000.5 }]);
      expect(fake.requests).toEqual([]);
      await app.close();
      app = undefined as unknown as TestApp;
      await rm(dir, { recursive: true, force: true });
    });
  });

  describe('with API keys', () => {
    const API_KEYS = `crm:${sha256(CRM)},web:${sha256(WEB)}`;

    it('shows a job only to its own key: another key gets 404, as for an unknown id', async () => {
      await boot({ AUTH_MODE: 'api-key', API_KEYS });
      await submit({ user_id: 'ann', message: 'Hi' }).expect(401);
      const { body } = await request(app.url).post('/api/chat/jobs').set('X-API-Key', CRM).send({ user_id: 'ann', message: 'Hi' }).expect(202);
      await pollJob(app.url, body.job_id, { headers: { 'X-API-Key': CRM } });

      const other = await request(app.url).get(`/api/chat/jobs/${body.job_id}`).set('X-API-Key', WEB).expect(404);
      const unknown = await request(app.url).get('/api/chat/jobs/job_AAAAAAAAAAAAAAAAAAAAAA').set('X-API-Key', WEB).expect(404);
      expect({ ...other.body, requestId: undefined }).toEqual({ ...unknown.body, requestId: undefined });
      await request(app.url).get(`/api/chat/jobs/${body.job_id}`).expect(401);
      // The same user id under the other key is another user, with a conversation of its own.
      const web = await request(app.url).post('/api/chat').set('X-API-Key', WEB).send({ user_id: 'ann', message: 'Hi' }).expect(200);
      expect(web.body.answer).toBe(fake.answerFor('Hi', 1));
    });
  });

  describe('with tokens', () => {
    const SECRET = 'jobs-test-hs256-secret-0123456789abcdef';

    it('shows a job only to the token’s own user', async () => {
      await boot({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'https://idp.test/', JWT_AUDIENCE: 'chat-backend' });
      const now = Math.floor(Date.now() / 1000);
      const [alice, bob] = await Promise.all(['alice', 'bob'].map((sub) => signHs256(claimsAt(now, { sub }), SECRET)));
      const { body } = await request(app.url).post('/api/chat/jobs').set('Authorization', `Bearer ${alice}`).send({ message: 'Hi' }).expect(202);
      expect(body.user_id).toBe('alice');
      await request(app.url).post('/api/chat/jobs').set('Authorization', `Bearer ${alice}`).send({ message: 'Hi', user_id: 'bob' }).expect(403);
      expect(await pollJob(app.url, body.job_id, { headers: { Authorization: `Bearer ${alice}` } })).toMatchObject({ status: 'succeeded', user_id: 'alice' });
      await request(app.url).get(`/api/chat/jobs/${body.job_id}`).set('Authorization', `Bearer ${bob}`).expect(404);
    });
  });
});
