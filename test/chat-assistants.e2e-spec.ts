import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { abandonStream, postStream } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

describe('chat over Assistants v2 threads and runs (real SDK, fake upstream)', () => {
  let fake: FakeOpenAiServer;
  let app: TestApp;

  const boot = async (env: Record<string, string> = {}) => {
    app = await startTestApp({
      ASSISTANT_API: 'assistants',
      OPENAI_API_KEY: 'sk-test-assistants',
      OPENAI_ASSISTANT_ID: 'asst_test',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MAX_RETRIES: '0',
      ...env,
    });
  };
  const chat = (body: object) => request(app.url).post('/api/chat').send(body);
  const logged = async (): Promise<Record<string, unknown[]>> =>
    JSON.parse(await readFile(app.logPath, 'utf8').catch(() => '{}')) as Record<string, unknown[]>;
  const runsCreated = () => fake.requests.filter((r) => r.method === 'POST' && /^\/v1\/threads\/[^/]+\/runs$/.test(r.path));

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
  });

  afterEach(async () => {
    await app?.close();
    await fake.stop();
    expect(fake.unexpected).toEqual([]);
    expect(fake.errors).toEqual([]);
  });

  it('creates a thread once per user, runs the assistant on it, and answers from the run’s message', async () => {
    await boot();
    const first = await chat({ user_id: 'ann', message: 'Hello' }).expect(200);
    const [reported] = fake.reportedUsage;
    expect(first.body).toEqual({
      answer: fake.answerFor('Hello', 1),
      user_id: 'ann',
      thread_id: expect.stringMatching(/^thread_/),
      usage: { input_tokens: reported.input, output_tokens: reported.output, total_tokens: reported.total },
    });
    const second = await chat({ user_id: 'ann', message: 'Again' }).expect(200);
    expect(second.body).toMatchObject({ answer: fake.answerFor('Again', 2), thread_id: first.body.thread_id });

    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/threads')).toHaveLength(1);
    const runs = runsCreated();
    expect(runs).toHaveLength(2);
    expect(runs[0].body).toMatchObject({ assistant_id: 'asst_test', stream: true });
    expect(runs.every((r) => r.headers['openai-beta'] === 'assistants=v2')).toBe(true);
    expect((await logged()).ann).toHaveLength(2);
  });

  it('answers as soon as a 300 ms run completes, with no polling delay', async () => {
    await boot();
    await chat({ user_id: 'fast', message: 'warm-up' }).expect(200);
    fake.runDurationMs = 300;
    const started = Date.now();
    await chat({ user_id: 'fast', message: 'timed' }).expect(200);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    // createAndPoll would sleep its 5 s poll interval at least once.
    expect(elapsed).toBeLessThan(2000);
    expect(fake.requests.some((r) => r.method === 'GET' && /\/runs\/run_/.test(r.path))).toBe(false);
  });

  it.each([
    ['failed', { status: 'failed', lastErrorCode: 'server_error' }, /failed \(server_error\)/],
    ['expired', { status: 'expired' }, /expired/],
    ['cancelled', { status: 'cancelled' }, /cancelled/],
    ['incomplete', { status: 'incomplete' }, /incomplete \(max_completion_tokens\)/],
  ] as const)('maps a run that ended %s to 502 naming the cause, logs nothing, and recovers', async (_name, outcome, message) => {
    await boot();
    fake.inject({ kind: 'run-outcome', ...outcome } as never);
    const failed = await chat({ user_id: 'oops', message: 'hi' }).expect(502);
    expect(failed.body).toMatchObject({ statusCode: 502, error: 'Bad Gateway', code: 'UPSTREAM_FAILED', message: expect.stringMatching(message) });
    expect(await logged()).toEqual({});
    await chat({ user_id: 'oops', message: 'again' }).expect(200);
  });

  it('cancels a run that asks for a tool call and says so with 502', async () => {
    await boot();
    fake.inject({ kind: 'run-outcome', status: 'requires_action' });
    const failed = await chat({ user_id: 'tool', message: 'use a tool' }).expect(502);
    expect(failed.body.message).toMatch(/tool call/);
    const run = [...fake.runs.values()][0];
    expect(run.cancelled).toBe(true);
    await chat({ user_id: 'tool', message: 'plain question' }).expect(200);
  });

  it('cancels a run left active by a crash and retries once', async () => {
    await boot();
    const first = await chat({ user_id: 'crash', message: 'one' }).expect(200);
    fake.inject({ kind: 'stale-active-run', threadId: first.body.thread_id });
    const second = await chat({ user_id: 'crash', message: 'two' }).expect(200);
    expect(second.body.thread_id).toBe(first.body.thread_id);
    expect([...fake.runs.values()].filter((run) => run.cancelled)).toHaveLength(1);
  });

  it('replaces a thread the upstream no longer knows', async () => {
    await boot();
    const first = await chat({ user_id: 'lost', message: 'one' }).expect(200);
    fake.threads.delete(first.body.thread_id);
    const second = await chat({ user_id: 'lost', message: 'two' }).expect(200);
    expect(second.body.thread_id).not.toBe(first.body.thread_id);
    expect(second.body.answer).toBe(fake.answerFor('two', 1));
  });

  it('streams run deltas that add up to the answer, and logs the exchange', async () => {
    await boot();
    fake.runDurationMs = 100;
    const { status, events } = await postStream(app.url, { user_id: 'sse', message: 'stream this run please' });
    expect(status).toBe(200);
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({
      event: 'done',
      data: {
        answer: deltas.join(''),
        user_id: 'sse',
        thread_id: expect.stringMatching(/^thread_/),
        usage: expect.objectContaining({ total_tokens: expect.any(Number) }),
        timing: { upstream_ms: expect.any(Number), app_ms: expect.any(Number) },
      },
    });
    expect(deltas.join('')).toBe(fake.answerFor('stream this run please', 1));
    expect((await logged()).sse).toHaveLength(1);
  });

  it('cancels the run when the client disconnects, and the user’s next request is not blocked', async () => {
    await boot();
    await chat({ user_id: 'leave', message: 'warm-up' }).expect(200);
    fake.runDurationMs = 2000;
    await abandonStream(app.url, { user_id: 'leave', message: 'a slow answer with a good many words in it' });
    await waitFor(() => [...fake.runs.values()].some((run) => run.cancelled));
    fake.runDurationMs = 0;
    const next = await chat({ user_id: 'leave', message: 'still there?' }).expect(200);
    // The abandoned question was taken back out of the thread: the model never saw it.
    expect(next.body.answer).toBe(fake.answerFor('still there?', 2));
    expect((await logged()).leave).toHaveLength(2);
  });

  it('deletes the upstream thread on DELETE /api/chat/thread', async () => {
    await boot();
    const first = await chat({ user_id: 'bye', message: 'hi' }).expect(200);
    await request(app.url).delete('/api/chat/thread').query({ user_id: 'bye' }).expect(204);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/threads/${first.body.thread_id}`)).toBe(true);
  });

  it('starts a new conversation when the stored thread belongs to another mode', async () => {
    const local = await startTestApp({ ASSISTANT_API: 'local' });
    const before = await request(local.url).post('/api/chat').send({ user_id: 'switch', message: 'hi' }).expect(200);
    await local.app.close();
    await boot({ THREAD_STORE_PATH: local.threadStorePath, CONVERSATION_LOG_PATH: local.logPath });
    const after = await chat({ user_id: 'switch', message: 'hi' }).expect(200);
    expect(after.body.thread_id).toMatch(/^thread_/);
    expect(after.body.thread_id).not.toBe(before.body.thread_id);
    expect(fake.requests.some((r) => r.path.includes(before.body.thread_id))).toBe(false);
    await local.close().catch(() => undefined);
  });
});
